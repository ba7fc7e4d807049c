import { randomBytes } from 'node:crypto';
import { RevocationSync } from 'nestjs-jwt-revocation';
import type { Response } from 'supertest';
import { DataSource, QueryRunner } from 'typeorm';
import { HttpAdapterKind } from '../../apps/sample/src/config/sample.config';
import { auditOf, bearer, claimsOf, SampleTestApp, Tokens } from '../sample/support/sample-app';
import { createTestDatabase, TestDatabase, testDatabaseKinds } from '../support/databases';
import { REDIS_URL } from '../support/redis-server';
import { SlowProxy } from '../support/slow-proxy';
import { until } from '../support/until';

/** The deadline instance A runs with, and what a 503 may take beyond it on a loaded 2-core machine. */
const DEADLINE_MS = 1000;
const MARGIN_MS = 2500;
const kinds = testDatabaseKinds().filter((k) => k !== 'sqlite') as ('postgres' | 'mariadb')[];

async function timed(request: PromiseLike<Response>): Promise<{ res: Response; ms: number }> {
  const started = Date.now();
  const res = await request;
  return { res, ms: Date.now() - started };
}

/** A 503 that says when to come back, within the deadline, without internals. */
function expectUnavailable({ res, ms }: { res: Response; ms: number }, what: string): void {
  expect({ what, status: res.status }).toEqual({ what, status: 503 });
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  expect(JSON.stringify(res.body)).not.toMatch(/stack|node_modules|ECONN|timeout exceeded|\.ts:/);
}

const sid = (tokens: Tokens) => String(claimsOf(tokens.access_token).sid);
const countOf = (entries: Record<string, unknown>[]) =>
  entries.reduce((sum, e) => sum + Number(e.count), 0);

describe.each(kinds)('one instance with a slow link to %s', (kind) => {
  let database: TestDatabase;
  let proxy: SlowProxy;
  let a: SampleTestApp;
  let b: SampleTestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const target = new URL(database.url);
    proxy = await SlowProxy.start({ host: target.hostname, port: Number(target.port) });
    const env = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_URL,
      REDIS_CHANNEL: `slow-db-test:${randomBytes(4).toString('hex')}`,
      REVOCATION_MAX_STALENESS: '3s',
    };
    b = await SampleTestApp.start(kind, 'fastify', env, { database, realClock: true });
    a = await SampleTestApp.start(
      kind,
      'fastify',
      {
        ...env,
        DATABASE_URL: proxy.rewrite(database.url),
        DATABASE_TIMEOUT: `${DEADLINE_MS}ms`,
        DATABASE_SLOW_THRESHOLD: '150ms',
      },
      { database, realClock: true },
    );
  }, 60_000);
  afterAll(async () => {
    if (proxy) proxy.latencyMs = 0;
    await a?.close();
    await b?.close();
    await proxy?.close();
    await database?.drop();
  });

  afterEach(() => {
    proxy.latencyMs = 0;
  });

  it('reports the store degraded while it is slow, still answering, and ok again after', async () => {
    const { tokens } = await b.signUp();
    proxy.latencyMs = 150;
    await until(
      async () => {
        const res = await a.http.get('/health');
        return res.status === 200 && res.body.details.revocation.storeState === 'degraded';
      },
      5000,
      'health reports degraded',
    );
    // Slow but within the deadline: served.
    await a.http.get('/me').set(bearer(tokens.access_token)).expect(200);
    proxy.latencyMs = 0;
    await until(
      async () => (await a.http.get('/health')).body.details?.revocation?.storeState === 'ok',
      5000,
      'health reports ok',
    );
  });

  it('answers 503 + Retry-After within the deadline, and applies nothing it did not report', async () => {
    const { user, tokens } = await b.signUp();
    const loggingOut = await b.login(user.email, user.password);
    const revokedByAdmin = await b.login(user.email, user.password);
    const reading = await b.login(user.email, user.password);
    const admin = await b.loginAdmin();

    proxy.latencyMs = 2000;
    const [password, logout, revoke, me] = await Promise.all([
      timed(
        a.http
          .post('/me/password')
          .set(bearer(tokens.access_token))
          .send({ current_password: user.password, new_password: 'another-password-2' }),
      ),
      timed(a.http.post('/auth/logout').set(bearer(loggingOut.access_token))),
      timed(
        a.http
          .post('/admin/revocations')
          .set(bearer(admin.access_token))
          .send({ session_id: sid(revokedByAdmin), reason: 'slow-db-test' }),
      ),
      timed(a.http.get('/me').set(bearer(reading.access_token))),
    ]);
    expectUnavailable(password, 'POST /me/password');
    expectUnavailable(logout, 'POST /auth/logout');
    expectUnavailable(revoke, 'POST /admin/revocations');
    expectUnavailable(me, 'GET /me');
    console.log(
      `slow link to ${kind} (2 s each way, ${DEADLINE_MS} ms deadline): 503 after ` +
        `password ${password.ms} ms, logout ${logout.ms} ms, admin revoke ${revoke.ms} ms, /me ${me.ms} ms`,
    );

    // Let whatever the slow link still carries reach the database, then look from B.
    proxy.latencyMs = 0;
    await until(() => proxy.pending === 0, 10_000, 'the slow link drains');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await b.app.get(RevocationSync).refresh();

    // The password change failed before writing anything: the old password still works.
    expect((await auditOf(b, user.id)).filter((e) => e.reason === 'password_change')).toEqual([]);
    await b.login(user.email, user.password);
    expect(await b.meStatus(tokens.access_token)).toBe(200);
    expect(await b.meStatus(reading.access_token)).toBe(200);

    // A 503'd revocation may still have landed (its commit answer was lost), but then it is in
    // the audit trail and enforced; if it is not in the trail, it is not enforced.
    for (const session of [loggingOut, revokedByAdmin]) {
      const entries = await auditOf(b, sid(session));
      expect(await b.meStatus(session.access_token)).toBe(entries.length === 0 ? 200 : 401);
    }

    // Retrying is safe, and only now reported as done; together they ended each session once.
    await until(async () => (await a.http.get('/health')).status === 200, 10_000, 'A healthy');
    const retriedLogout = await a.http.post('/auth/logout').set(bearer(loggingOut.access_token));
    expect([204, 401]).toContain(retriedLogout.status);
    const retriedRevoke = await a.http
      .post('/admin/revocations')
      .set(bearer(admin.access_token))
      .send({ session_id: sid(revokedByAdmin), reason: 'slow-db-test' })
      .expect(201);
    await b.app.get(RevocationSync).refresh();
    for (const session of [loggingOut, revokedByAdmin]) {
      expect(countOf(await auditOf(b, sid(session)))).toBe(1);
      expect(await b.meStatus(session.access_token)).toBe(401);
    }
    expect(retriedRevoke.body.revoked).toBeLessThanOrEqual(1);
    await a.http.get('/me').set(bearer(reading.access_token)).expect(200);
  }, 60_000);
});

describe.each(
  kinds.flatMap((kind) => (['fastify', 'express'] as HttpAdapterKind[]).map((a) => [kind, a])),
)('an exhausted pool on %s (%s)', (kind, adapter) => {
  let t: SampleTestApp;
  let held: QueryRunner | undefined;

  beforeAll(async () => {
    t = await SampleTestApp.start(
      kind as 'postgres' | 'mariadb',
      adapter as HttpAdapterKind,
      { DATABASE_POOL_SIZE: '1', DATABASE_TIMEOUT: `${DEADLINE_MS}ms` },
      { realClock: true },
    );
  }, 60_000);
  afterAll(async () => {
    await held?.release();
    await t?.close();
  });

  it('makes new work wait at most the deadline, then 503, and applies none of it', async () => {
    const { user, tokens } = await t.signUp();
    held = t.app.get(DataSource).createQueryRunner();
    await held.connect();

    const [logout, me, login] = await Promise.all([
      timed(t.http.post('/auth/logout').set(bearer(tokens.access_token))),
      timed(t.http.get('/me').set(bearer(tokens.access_token))),
      timed(t.http.post('/auth/login').send({ email: user.email, password: user.password })),
    ]);
    expectUnavailable(logout, 'POST /auth/logout');
    expectUnavailable(me, 'GET /me');
    expectUnavailable(login, 'POST /auth/login');
    console.log(
      `exhausted pool on ${kind} (${adapter}): 503 after logout ${logout.ms} ms, /me ${me.ms} ms, login ${login.ms} ms`,
    );

    // Past every queued wait: none of them may run once the connection is free.
    await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS + 500));
    await held.release();
    held = undefined;
    await until(async () => (await t.http.get('/health')).status === 200, 10_000, 'healthy');
    expect(await auditOf(t, sid(tokens))).toEqual([]);
    expect(await t.meStatus(tokens.access_token)).toBe(200);
    await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
    expect(await t.meStatus(tokens.access_token)).toBe(401);
    expect(countOf(await auditOf(t, sid(tokens)))).toBe(1);
  }, 60_000);
});
