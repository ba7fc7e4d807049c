import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpAdapterKind } from '../../apps/sample/src/config/sample.config';
import { until } from '../support/until';
import { CATALOGUE, runAttack } from './support/catalogue';
import { RAW_ATTACKS, runRawAttack } from './support/raw-requests';
import { Alg, ALGS, Canary, signingKey, Target } from './support/target';

const ROOT = resolve(__dirname, '../..');
const { ensureBuilt } = require(join(ROOT, 'scripts/ensure-built.js')) as {
  ensureBuilt(stdio?: 'pipe' | 'inherit'): void;
};

/** Log lines that mean a request or a background task failed unexpectedly. */
const UNHANDLED = /\bERROR\b|Unhandled|uncaught|Internal server error|TypeError|RangeError/i;

/** The built sample (`node dist/apps/sample/main.js`) in production mode, on a port of its choice. */
class BuiltSample {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
  ) {
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
  }

  static async start(adapter: HttpAdapterKind, env: Record<string, string>): Promise<BuiltSample> {
    const dataDir = mkdtempSync(join(tmpdir(), 'sample-prod-'));
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/sample/main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        HTTP_ADAPTER: adapter,
        DATA_DIR: dataDir,
        DATABASE_URL: `sqlite:${join(dataDir, 'sample.sqlite')}`,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sample = new BuiltSample(child, dataDir);
    await until(
      () => {
        if (child.exitCode !== null) throw new Error(`the sample exited: ${sample.output}`);
        return sample.port !== undefined;
      },
      60_000,
      'the built sample listens',
    );
    return sample;
  }

  get port(): number | undefined {
    const match = /Listening on port (\d+)/.exec(this.output);
    return match ? Number(match[1]) : undefined;
  }

  get log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await new Promise<void>((done) => {
        this.child.once('exit', () => done());
        this.child.kill('SIGTERM');
      });
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Issue #11's "done when": the built sample in production mode answers every catalogue request
 * (forged tokens on every signing algorithm, HTTP oddities, raw malformed requests) with the
 * expected 4xx, never a 5xx or a stack trace, and logs no unhandled error meanwhile.
 */
describe.each<HttpAdapterKind>(['fastify', 'express'])(
  'the built sample in production mode (%s)',
  (adapter) => {
    let canary: Canary;
    let dir: string;

    beforeAll(async () => {
      ensureBuilt('pipe');
      dir = mkdtempSync(join(tmpdir(), 'attack-prod-keys-'));
      canary = await Canary.start();
    }, 300_000);
    afterAll(async () => {
      await canary?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it.each<Alg>(ALGS)(
      'answers the whole catalogue as expected with %s keys, without a 5xx or an unhandled error',
      async (alg) => {
        const key = signingKey(alg, dir);
        const sample = await BuiltSample.start(adapter, {
          ...key.env,
          ADMIN_EMAIL: 'admin@example.test',
          ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
        });
        try {
          const t = await Target.open(key, `http://127.0.0.1:${sample.port}`, canary, 'real');
          let sent = 0;
          for (const { group, attacks } of CATALOGUE) {
            for (const attack of attacks.filter((a) => (a.algs ?? ['HS256']).includes(alg))) {
              try {
                await runAttack(attack, t);
              } catch (error) {
                throw new Error(`${group}: [${attack.source}] ${attack.title}\n${String(error)}`, {
                  cause: error,
                });
              }
              sent++;
            }
          }
          for (const attack of RAW_ATTACKS) await runRawAttack(attack, t);
          expect(sent).toBeGreaterThan(10);
          expect(canary.hits).toEqual([]);
        } finally {
          await sample.stop();
        }
        expect(sample.log).not.toMatch(UNHANDLED);
        expect(sample.log).toMatch(/Listening on port \d+/);
      },
      180_000,
    );
  },
);
