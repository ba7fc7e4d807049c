import { until } from '../support/until';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { SampleConfig } from '../../apps/sample/src/config/sample.config';
import { REDIS_URL } from '../support/redis-server';
import { bearer, freshIp, sampleMatrix, SampleTestApp } from './support/sample-app';

/** Alternates failed logins between two instances: together they must reach the account's limit. */
async function sharedLimitHolds(a: SampleTestApp, b: SampleTestApp): Promise<void> {
  const user = await a.register();
  for (let i = 0; i < 5; i++) {
    await (i % 2 === 0 ? a : b).http
      .post('/auth/login')
      .set(freshIp())
      .send({ email: user.email, password: `wrong-${i}` })
      .expect(401);
  }
  for (const instance of [a, b]) {
    const limited = await instance.http
      .post('/auth/login')
      .set(freshIp())
      .send({ email: user.email, password: user.password })
      .expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  }
  const ip = freshIp();
  const strangers = Array.from({ length: 8 }, (_, i) => `stranger${i}-${user.id}@example.test`);
  await Promise.all(
    strangers.map((email, i) =>
      (i % 2 === 0 ? a : b).http
        .post('/auth/login')
        .set(ip)
        .send({ email, password: 'guess-guess' }),
    ),
  );
  const other = await b.register();
  await a.http
    .post('/auth/login')
    .set(ip)
    .send({ email: other.email, password: other.password })
    .expect(429);
}

/**
 * Fires many wrong-password logins at once, alternating instances and IPs: since each attempt is
 * counted atomically before the password is checked, exactly the account's limit get a 401.
 */
async function concurrentFailuresCapped(a: SampleTestApp, b: SampleTestApp): Promise<void> {
  const user = await a.register();
  const statuses = await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      const res = await (i % 2 === 0 ? a : b).http
        .post('/auth/login')
        .set(freshIp())
        .send({ email: user.email, password: `wrong-${i}` });
      return res.status;
    }),
  );
  expect(statuses.filter((status) => status !== 429)).toEqual([401, 401, 401, 401, 401]);
  await a.http
    .post('/auth/login')
    .set(freshIp())
    .send({ email: user.email, password: user.password })
    .expect(429);
}

const LIMITS = { LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_IP: '8' };

const fastifyOnly = sampleMatrix().filter(([, adapter]) => adapter === 'fastify');

describe.each(fastifyOnly)('two sample instances on one %s database (%s)', (kind, adapter) => {
  let database: TestDatabase;
  let a: SampleTestApp;
  let b: SampleTestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const env = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_URL,
      REDIS_CHANNEL: `sample-test:${randomBytes(4).toString('hex')}`,
      REDIS_KEY_PREFIX: `sample-test:${randomBytes(4).toString('hex')}:`,
      ...LIMITS,
    };
    // Without polling, only the Redis announcement can tell the other instance.
    const options = { database, tune: (config: SampleConfig) => (config.jwt.pollInterval = 0) };
    a = await SampleTestApp.start(kind, adapter, env, options);
    b = await SampleTestApp.start(kind, adapter, env, options);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('counts failed logins made on either instance in Redis, with one 429 + Retry-After', () =>
    sharedLimitHolds(a, b));

  it('lets no more than the limit of concurrent failures through, on both instances (Redis)', () =>
    concurrentFailuresCapped(a, b));

  it('reports the Redis transport in /health', async () => {
    const res = await a.http.get('/health').expect(200);
    expect(res.body.details.revocation.transport).toEqual({ name: 'redis', connected: true });
  });

  it('enforces a logout made on one instance on the other at once', async () => {
    const { user, tokens } = await a.signUp();
    const other = await a.login(user.email, user.password);
    expect(await b.meStatus(tokens.access_token)).toBe(200);
    await a.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
    await until(
      async () => (await b.meStatus(tokens.access_token)) === 401,
      1000,
      'B learns of the logout',
    );
    expect(await b.meStatus(other.access_token)).toBe(200);
  });

  it('enforces a suspension made on one instance on the other at once', async () => {
    const { user, tokens } = await b.signUp();
    const admin = await a.loginAdmin();
    await a.http
      .post(`/admin/users/${user.id}/suspend`)
      .set(bearer(admin.access_token))
      .expect(204);
    // GET /me/sessions is decided by the guard alone (GET /me also reads the account).
    await until(
      async () => {
        const res = await b.http.get('/me/sessions').set(bearer(tokens.access_token));
        return res.status === 401;
      },
      1000,
      'B learns of the suspension',
    );
  });
});

describe.each(fastifyOnly)(
  'login limits shared by two instances on one %s database (%s)',
  (kind, adapter) => {
    let database: TestDatabase;
    let a: SampleTestApp;
    let b: SampleTestApp;

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      const env = { JWT_SECRET: randomBytes(32).toString('hex'), ...LIMITS };
      a = await SampleTestApp.start(kind, adapter, env, { database });
      b = await SampleTestApp.start(kind, adapter, env, { database });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it('counts failures made on either instance in the database, with one 429 + Retry-After', () =>
      sharedLimitHolds(a, b));

    it('lets no more than the limit of concurrent failures through, on both instances (database)', () =>
      concurrentFailuresCapped(a, b));
  },
);
