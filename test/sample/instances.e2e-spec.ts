import { until } from '../support/until';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { SampleConfig } from '../../apps/sample/src/config/sample.config';
import { REDIS_URL } from '../support/redis-server';
import { bearer, sampleMatrix, SampleTestApp } from './support/sample-app';

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
