import { until } from '../support/until';
import { randomBytes } from 'node:crypto';
import { RevocationMetrics, RevocationService } from 'nestjs-jwt-revocation';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { OwnPostgresServer } from '../support/postgres-server';
import { OwnRedisServer } from '../support/redis-server';
import { bearer, SampleTestApp } from '../sample/support/sample-app';

describe('Redis killed mid-test', () => {
  let redis: OwnRedisServer;
  let database: TestDatabase;
  let a: SampleTestApp;
  let b: SampleTestApp;
  let received = 0;

  beforeAll(async () => {
    redis = await OwnRedisServer.start();
    database = await createTestDatabase('postgres');
    const env = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_URL: redis.url,
      REVOCATION_POLL_INTERVAL: '1s',
      REVOCATION_MAX_STALENESS: '10s',
    };
    a = await SampleTestApp.start('postgres', 'fastify', env, { database, realClock: true });
    b = await SampleTestApp.start('postgres', 'fastify', env, { database, realClock: true });
    b.app.get(RevocationMetrics).addListener({ propagated: () => received++ });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
    await redis?.kill();
  });

  const rejectedOnB = (token: string) => async () =>
    (await b.http.get('/me/sessions').set(bearer(token))).status === 401;

  it('keeps enforcing revocations through polling, then resumes pub/sub when Redis returns', async () => {
    const first = await a.signUp();
    await a.http.post('/auth/logout').set(bearer(first.tokens.access_token)).expect(204);
    await until(rejectedOnB(first.tokens.access_token), 500, 'pub/sub delivery');
    expect(received).toBeGreaterThan(0);

    await redis.kill();
    await until(
      async () =>
        (await b.http.get('/health')).body.details?.revocation?.transport?.connected === false,
      5000,
      'transport down',
    );
    const second = await a.signUp();
    await a.http.post('/auth/logout').set(bearer(second.tokens.access_token)).expect(204);
    // Polling every second is the safety net while Redis is gone.
    await until(rejectedOnB(second.tokens.access_token), 1000 + 500, 'polling delivery');
    await b.http.get('/health').expect(200);

    await redis.start();
    await until(
      async () =>
        (await b.http.get('/health')).body.details.revocation.transport.connected === true,
      10_000,
      'transport back',
    );
    await until(
      async () =>
        (await a.http.get('/health')).body.details.revocation.transport.connected === true,
      10_000,
      'transport back on A',
    );
    const before = received;
    const third = await a.signUp();
    await a.http.post('/auth/logout').set(bearer(third.tokens.access_token)).expect(204);
    await until(rejectedOnB(third.tokens.access_token), 1500, 'delivery after reconnect');
    await until(() => received > before, 1000, 'a pub/sub message after reconnect');
  });
});

describe('the database going away', () => {
  let server: OwnPostgresServer;
  let t: SampleTestApp;

  beforeAll(async () => {
    server = await OwnPostgresServer.start();
    const database: TestDatabase = {
      name: 'postgres',
      options: { type: 'postgres', url: server.url },
      url: server.url,
      drop: async () => undefined,
    };
    t = await SampleTestApp.start(
      'postgres',
      'fastify',
      { REVOCATION_POLL_INTERVAL: '200ms', REVOCATION_MAX_STALENESS: '1s' },
      { database, realClock: true },
    );
  }, 60_000);
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    server?.destroy();
  });

  it('answers 503 on protected routes, reports no unstored revocation, and recovers by itself', async () => {
    const { user, tokens } = await t.signUp();
    await t.http.get('/me/sessions').set(bearer(tokens.access_token)).expect(200);

    server.stop();
    await until(
      async () => (await t.http.get('/health')).status === 503,
      5000,
      'health reports down',
    );
    // Until the cache is older than REVOCATION_MAX_STALENESS it is still trusted; never a 500 meanwhile.
    let protectedRoute = await t.http.get('/me/sessions').set(bearer(tokens.access_token));
    await until(
      async () => {
        protectedRoute = await t.http.get('/me/sessions').set(bearer(tokens.access_token));
        expect([200, 503]).toContain(protectedRoute.status);
        return protectedRoute.body.message === 'Revocation state is unavailable';
      },
      3000,
      'the guard fails closed',
    );
    expect(protectedRoute.status).toBe(503);
    const logout = await t.http.post('/auth/logout').set(bearer(tokens.access_token));
    expect(logout.status).toBe(503);
    await expect(
      t.app.get(RevocationService).revokeUser(user.id, { reason: 'admin' }),
    ).rejects.toThrow();
    const login = await t.http
      .post('/auth/login')
      .send({ email: user.email, password: user.password });
    expect(login.status).toBe(503);

    server.start();
    await until(async () => (await t.http.get('/health')).status === 200, 20_000, 'health back');
    await t.http.get('/me/sessions').set(bearer(tokens.access_token)).expect(200);
    await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
    await t.http.get('/me/sessions').set(bearer(tokens.access_token)).expect(401);
  }, 60_000);
});
