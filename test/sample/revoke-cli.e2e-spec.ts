import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SampleConfig } from '../../apps/sample/src/config/sample.config';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { REDIS_URL } from '../support/redis-server';
import { until } from '../support/until';
import {
  alignClocks,
  auditOf,
  claimsOf,
  freshIp,
  sampleMatrix,
  SampleTestApp,
} from './support/sample-app';

const ROOT = join(__dirname, '..', '..');

// Each CLI run boots Nest in a process of its own: seconds apiece on a busy machine.
jest.setTimeout(120_000);

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed, for `--json` runs. */
  json: Record<string, unknown>;
}

/** Runs `npm run revoke -- …` as operators do (through scripts/revoke.js, building when stale). */
function revoke(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/revoke.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        // not a --json run
      }
      resolve({ status, stdout, stderr, json });
    });
  });
}

/** Both instances refuse the token, within the propagation bound. */
async function refusedEverywhere(instances: SampleTestApp[], accessToken: string): Promise<void> {
  for (const t of instances) {
    await until(async () => (await t.guardStatus(accessToken)) === 401, 2000, 'refused');
  }
}

const matrix = sampleMatrix().filter(
  ([kind, adapter]) => kind !== 'mariadb' && adapter === 'fastify',
);

describe.each(matrix)('npm run revoke against %s with two %s instances', (kind, adapter) => {
  let database: TestDatabase;
  let dataDir: string;
  let a: SampleTestApp;
  let b: SampleTestApp;
  let env: Record<string, string>;
  const cli = (...args: string[]) => revoke(env, ...args);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataDir = mkdtempSync(join(tmpdir(), 'revoke-cli-'));
    env = {
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_URL,
      REDIS_CHANNEL: `revoke-cli-test:${randomBytes(4).toString('hex')}`,
    };
    // No polling: a running instance can only learn of the CLI's revocations through the transport.
    const options = { database, tune: (config: SampleConfig) => (config.jwt.pollInterval = 0) };
    a = await SampleTestApp.start(kind, adapter, env, options);
    b = await SampleTestApp.start(kind, adapter, env, options);
    await alignClocks([a, b]);
    // The first run builds the CLI when its output is stale.
    expect((await cli('--help')).status).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('revokes a user named by email, on both instances, audited with reason and actor', async () => {
    const { user, tokens } = await a.signUp();
    const other = await b.signUp();
    const run = await cli(
      'user',
      user.email,
      '--reason',
      'laptop stolen',
      '--actor',
      'ops:jo',
      '--json',
    );
    expect(run).toMatchObject({ status: 0 });
    expect(run.json).toEqual({
      kind: 'user',
      target: user.id,
      revoked: 1,
      reason: 'laptop stolen',
      actor: 'ops:jo',
      suspended: false,
    });
    await refusedEverywhere([a, b], tokens.access_token);
    expect(await b.refreshStatus(tokens.refresh_token)).toBe(400);
    expect(await a.guardStatus(other.tokens.access_token)).toBe(200);
    const again = await a.login(user.email, user.password);
    expect(await b.guardStatus(again.access_token)).toBe(200);
    expect(await auditOf(a, user.id)).toEqual([
      expect.objectContaining({ kind: 'user', reason: 'laptop stolen', actor: 'ops:jo', count: 1 }),
    ]);
  });

  it('suspends a departing user with --suspend: tokens refused and logins too', async () => {
    const { user, tokens } = await b.signUp();
    const run = await cli('user', user.id, '-r', 'left the company', '--suspend');
    expect(run).toMatchObject({ status: 0 });
    expect(run.stdout).toContain(`Revoked user ${user.id}: 1 ended`);
    expect(run.stdout).toContain('the account is suspended');
    await refusedEverywhere([a, b], tokens.access_token);
    const login = await a.http
      .post('/auth/login')
      .send({ email: user.email, password: user.password });
    expect(login.status).not.toBe(200);
  });

  it('lists sessions and ends one named by its refresh token', async () => {
    const { user, tokens } = await a.signUp();
    const laptop = await b.login(user.email, user.password);
    const list = await cli('sessions', user.email, '--json');
    expect(list).toMatchObject({ status: 0 });
    expect(list.json.user).toBe(user.id);
    const ids = (list.json.sessions as { id: string }[]).map((s) => s.id).sort();
    expect(ids).toEqual(
      [claimsOf(tokens.access_token).sid, claimsOf(laptop.access_token).sid].sort(),
    );

    const run = await cli(
      'session',
      laptop.refresh_token,
      '--reason',
      'refresh token stolen',
      '--json',
    );
    expect(run).toMatchObject({ status: 0 });
    expect(run.json).toMatchObject({
      kind: 'session',
      target: claimsOf(laptop.access_token).sid,
      revoked: 1,
    });
    await refusedEverywhere([a, b], laptop.access_token);
    expect(await a.refreshStatus(laptop.refresh_token)).toBe(400);
    expect(await b.guardStatus(tokens.access_token)).toBe(200);
  });

  it('revokes one access token, given whole or by jti', async () => {
    const { user, tokens } = await a.signUp();
    const second = await a.login(user.email, user.password);
    expect(await cli('token', tokens.access_token, '-r', 'pasted in a ticket')).toMatchObject({
      status: 0,
    });
    expect(
      await cli('token', String(claimsOf(second.access_token).jti), '-r', 'leaked'),
    ).toMatchObject({ status: 0 });
    await refusedEverywhere([a, b], tokens.access_token);
    await refusedEverywhere([a, b], second.access_token);
    const fresh = await b.refreshStatus(tokens.refresh_token);
    expect(fresh).toBe(200);
  });

  it('ends the sessions seen from an IP', async () => {
    const ip = freshIp();
    const { tokens } = await a.signUp(ip);
    const elsewhere = await b.signUp(freshIp());
    const run = await cli('ip', ip['X-Forwarded-For'], '-r', 'botnet', '--json');
    expect(run.json).toMatchObject({ kind: 'ip', target: ip['X-Forwarded-For'], revoked: 1 });
    await refusedEverywhere([a, b], tokens.access_token);
    expect(await a.guardStatus(elsewhere.tokens.access_token)).toBe(200);
  });

  it('shows the audit trail', async () => {
    const run = await cli('audit', '--kind', 'ip', '--limit', '5', '--json');
    expect(run).toMatchObject({ status: 0 });
    expect(run.json.entries).toEqual([
      expect.objectContaining({
        kind: 'ip',
        reason: 'botnet',
        actor: expect.stringMatching(/^cli:/),
      }),
    ]);
    const text = await cli('audit', '--limit', '1');
    expect(text.stdout).toMatch(/ip .* botnet {2}by cli:/);
  });

  it.each([
    ['an unknown user', ['user', 'nobody@example.test', '-r', 'x', '--json']],
    ['an unknown session', ['session', 'no-such-session', '-r', 'x', '--json']],
    ['the sessions of an unknown user', ['sessions', 'nobody@example.test', '--json']],
  ])('exits 3 for %s, doing nothing', async (_, args) => {
    const run = await cli(...args);
    expect(run.status).toBe(3);
    expect(run.json).toEqual({ error: 'not_found', message: expect.any(String) });
  });

  it('kill switch: every earlier token refused on both instances, new logins work at once', async () => {
    const first = await a.signUp();
    const second = await b.signUp();
    const run = await cli(
      'all',
      '--confirm',
      'REVOKE ALL',
      '--reason',
      'signing key leaked',
      '--json',
    );
    expect(run).toMatchObject({ status: 0 });
    expect(run.json).toMatchObject({ kind: 'global', target: '*', reason: 'signing key leaked' });
    await refusedEverywhere([a, b], first.tokens.access_token);
    await refusedEverywhere([a, b], second.tokens.access_token);
    const again = await a.login(second.user.email, second.user.password);
    expect(await a.guardStatus(again.access_token)).toBe(200);
    expect(await b.guardStatus(again.access_token)).toBe(200);
  });
});

/** Usage errors and an unreachable store do not depend on the database: one SQLite file is enough. */
describe('npm run revoke exit statuses', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dataDir = mkdtempSync(join(tmpdir(), 'revoke-cli-'));
    env = {
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(32).toString('hex'),
    };
    // The first run builds the CLI when its output is stale.
    expect((await revoke(env, '--help')).status).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['a missing reason', ['user', 'nobody@example.test', '--json']],
    ['a reason too long', ['ip', '10.0.0.1', '-r', 'x'.repeat(65), '--json']],
    ['a bad IP address', ['ip', '10.0.0', '-r', 'x', '--json']],
    ['revoke all without confirmation', ['all', '-r', 'x', '--json']],
    ['a bad --limit', ['audit', '--limit', '0']],
    ['an unknown command', ['revoke-everyone']],
  ])('exits 2 for %s', async (_, args) => {
    const run = await revoke(env, ...args);
    expect(run.status).toBe(2);
    if (args.includes('--json')) {
      expect(run.json).toEqual({ error: 'usage', message: expect.any(String) });
    }
  });

  it('exits 4 when the store cannot be reached, and 2 on an invalid configuration', async () => {
    const down = await revoke(
      { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
      'all',
      '-r',
      'x',
      '--confirm',
      'REVOKE ALL',
    );
    expect(down.status).toBe(4);
    expect(down.stderr).toContain('cannot open or migrate the database');
    const invalid = await revoke({ ...env, REVOCATION_MODE: 'maybe' }, 'audit');
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain('REVOCATION_MODE must be one of denylist, allowlist');
  });
});
