import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import request from 'supertest';

const ROOT = resolve(__dirname, '../..');

/** Builds the library and the sample (`dist/`), for suites that spawn it. */
export function buildSample(): void {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
}

/** The built sample app as a real process, to `kill -9`. */
export class SampleProcess {
  private child?: ChildProcess;
  private output = '';

  constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
  ) {}

  get http() {
    return request(`http://127.0.0.1:${this.port}`);
  }

  async start(): Promise<void> {
    this.output = '';
    this.child = spawn(process.execPath, [join(ROOT, 'dist/apps/sample/main.js')], {
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`the app exited: ${this.output}`);
      const ok = await this.http
        .get('/health')
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`the app did not become healthy: ${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: no shutdown hook, no flush, nothing. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGKILL');
    });
  }
}
