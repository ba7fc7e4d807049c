import { randomBytes } from 'node:crypto';
import { LiveConnectionRegistry } from 'nestjs-jwt-revocation';
import { createTestDatabase, TestDatabase, testDatabaseKinds } from '../support/databases';
import { REDIS_URL } from '../support/redis-server';
import { LiveSocketClient, listen, within } from '../sample/support/live-clients';
import { bearer, SampleTestApp } from '../sample/support/sample-app';

/** The bound `propagation.e2e-spec.ts` holds Redis pub/sub to. */
const BOUND_MS = 1000;
const TRIALS = 100;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const onPostgres = testDatabaseKinds().includes('postgres') ? describe : describe.skip;

onPostgres('a logout on instance A closes the WebSocket on instance B (Postgres + Redis)', () => {
  let database: TestDatabase;
  let a: SampleTestApp;
  let b: SampleTestApp;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // Polling every minute: only the Redis announcement can reach B within the bound.
    const env = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      REVOCATION_TRANSPORT: 'redis',
      REDIS_URL,
      REDIS_CHANNEL: `live-scale-out:${randomBytes(4).toString('hex')}`,
      REVOCATION_POLL_INTERVAL: '60s',
      REVOCATION_MAX_STALENESS: '600s',
    };
    a = await SampleTestApp.start('postgres', 'fastify', env, { database, realClock: true });
    b = await SampleTestApp.start('postgres', 'fastify', env, { database, realClock: true });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it(`within ${BOUND_MS} ms at p99 over ${TRIALS} trials`, async () => {
    const { user } = await a.signUp();
    const sessions = [];
    for (let i = 0; i < TRIALS; i++) sessions.push(await a.login(user.email, user.password));
    const port = await listen(b);
    const sockets = sessions.map((tokens) => LiveSocketClient.open(port, tokens.access_token));
    await Promise.all(sockets.map((socket) => socket.ready));
    expect(b.app.get(LiveConnectionRegistry).size).toBe(TRIALS);

    const delays: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const started = performance.now();
      await a.http.post('/auth/logout').set(bearer(sessions[i].access_token)).expect(204);
      expect(await within(sockets[i].closed, BOUND_MS * 3, `socket ${i} closed`)).toEqual({
        code: 4401,
        reason: 'token_revoked',
      });
      delays.push(performance.now() - started);
      // Only the logged-out session's socket ends.
      expect(b.app.get(LiveConnectionRegistry).size).toBe(TRIALS - i - 1);
    }
    const sorted = [...delays].sort((x, y) => x - y);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log(
      `logout on A -> socket closed on B (${TRIALS} trials, from the logout request): ` +
        `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`,
    );
    expect(p99).toBeLessThanOrEqual(BOUND_MS);
  }, 120_000);
});
