import type { Response } from 'supertest';
import { HttpAdapterKind } from '../../apps/sample/src/config/sample.config';
import { auditOf, bearer, SampleTestApp } from '../sample/support/sample-app';
import { createTestDatabase, TestDatabase, testDatabaseKinds } from '../support/databases';
import { SlowProxy } from '../support/slow-proxy';
import { until } from '../support/until';

/**
 * Each query alone fits in `DATABASE_TIMEOUT`, but a route making several of them (its own and the
 * library's store calls) must still answer within one request deadline: 503 + Retry-After, not a
 * success after a multiple of it.
 */
const DEADLINE_MS = 1500;
/** What a 503 may take beyond the deadline on a loaded 2-core machine. */
const MARGIN_MS = 2500;
/** One way: a query's round trip costs 800 ms, within the per-query timeout; two do not fit. */
const LATENCY_MS = 400;

const matrix = testDatabaseKinds()
  .filter((k) => k !== 'sqlite')
  .flatMap((kind): [TestDatabase['name'], HttpAdapterKind][] =>
    kind === 'postgres'
      ? [
          [kind, 'fastify'],
          [kind, 'express'],
        ]
      : [[kind, 'fastify']],
  );

async function timed(request: PromiseLike<Response>): Promise<{ res: Response; ms: number }> {
  const started = Date.now();
  const res = await request;
  return { res, ms: Date.now() - started };
}

describe.each(matrix)('one request deadline on %s (%s)', (kind, adapter) => {
  let database: TestDatabase;
  let proxy: SlowProxy;
  let t: SampleTestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const target = new URL(database.url);
    proxy = await SlowProxy.start({ host: target.hostname, port: Number(target.port) });
    t = await SampleTestApp.start(
      kind,
      adapter,
      {
        DATABASE_URL: proxy.rewrite(database.url),
        DATABASE_TIMEOUT: `${DEADLINE_MS}ms`,
        REQUEST_DEADLINE: `${DEADLINE_MS}ms`,
      },
      { database, realClock: true },
    );
  }, 60_000);
  afterAll(async () => {
    if (proxy) proxy.latencyMs = 0;
    await t?.close();
    await proxy?.close();
    await database?.drop();
  });
  afterEach(() => {
    if (proxy) proxy.latencyMs = 0;
  });

  it('serves a route whose queries fit in the deadline together', async () => {
    const { tokens } = await t.signUp();
    proxy.latencyMs = 100;
    const me = await timed(t.http.get('/me').set(bearer(tokens.access_token)));
    expect(me.res.status).toBe(200);
  });

  it('answers 503 + Retry-After within the deadline when the queries do not fit, and applies nothing', async () => {
    const { user, tokens } = await t.signUp();
    proxy.latencyMs = LATENCY_MS;
    const [password, me] = await Promise.all([
      timed(
        t.http
          .post('/me/password')
          .set(bearer(tokens.access_token))
          .send({ current_password: user.password, new_password: 'another-password-2' }),
      ),
      timed(t.http.get('/me').set(bearer(tokens.access_token))),
    ]);
    for (const [what, { res, ms }] of [
      ['POST /me/password', password],
      ['GET /me', me],
    ] as const) {
      expect({ what, status: res.status }).toEqual({ what, status: 503 });
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
      expect(JSON.stringify(res.body)).not.toMatch(/stack|node_modules|\.ts:/);
    }
    console.log(
      `request deadline ${DEADLINE_MS} ms on ${kind} (${adapter}), ${2 * LATENCY_MS} ms per query: ` +
        `503 after password ${password.ms} ms, /me ${me.ms} ms`,
    );

    proxy.latencyMs = 0;
    await until(() => proxy.pending === 0, 10_000, 'the slow link drains');
    // The password change stopped before writing: the old password and the old token still work.
    expect((await auditOf(t, user.id)).filter((e) => e.reason === 'password_change')).toEqual([]);
    await t.login(user.email, user.password);
    expect(await t.meStatus(tokens.access_token)).toBe(200);
  }, 60_000);
});
