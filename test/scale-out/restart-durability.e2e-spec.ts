import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../support/databases';
import { freePort } from '../support/redis-server';
import { bearer } from '../sample/support/sample-app';

const ROOT = resolve(__dirname, '../..');

/** The built sample app as a real process, to `kill -9`. */
class SampleProcess {
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

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);

describe.each<DatabaseKind>(['sqlite', 'postgres'])('restart durability on %s', (kind) => {
  let database: TestDatabase;
  let dataDir: string;
  let app: SampleProcess;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataDir = mkdtempSync(join(tmpdir(), 'sample-restart-'));
    app = new SampleProcess(
      {
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        JWT_SECRET: randomBytes(32).toString('hex'),
        NODE_ENV: 'production',
      },
      await freePort(),
    );
    await app.start();
  }, 120_000);
  afterAll(async () => {
    await app?.kill9();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signUp() {
    const email = `restart-${randomBytes(4).toString('hex')}@example.test`;
    await app.http.post('/auth/register').send({ email, password: 'password-123' }).expect(201);
    const res = await app.http
      .post('/auth/login')
      .send({ email, password: 'password-123' })
      .expect(200);
    return { email, tokens: res.body as { access_token: string; refresh_token: string } };
  }

  it('still enforces revocations acknowledged just before kill -9', async () => {
    const loggedOut = await signUp();
    const changed = await signUp();
    const bystander = await signUp();
    await app.http.post('/auth/logout').set(bearer(loggedOut.tokens.access_token)).expect(204);
    await app.http
      .post('/me/password')
      .set(bearer(changed.tokens.access_token))
      .send({ current_password: 'password-123', new_password: 'password-456' })
      .expect(200);
    await app.kill9();

    await app.start();
    for (const revoked of [loggedOut, changed]) {
      await app.http.get('/me').set(bearer(revoked.tokens.access_token)).expect(401);
      await app.http
        .post('/auth/refresh')
        .send({ refresh_token: revoked.tokens.refresh_token })
        .expect(400);
    }
    await app.http.get('/me').set(bearer(bystander.tokens.access_token)).expect(200);
    await app.http
      .post('/auth/login')
      .send({ email: changed.email, password: 'password-456' })
      .expect(200);
  }, 120_000);
});
