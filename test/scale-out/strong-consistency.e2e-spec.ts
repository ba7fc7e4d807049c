import { randomBytes } from 'node:crypto';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../support/databases';
import { REDIS_URL } from '../support/redis-server';
import { alignClocks, bearer, SampleTestApp } from '../sample/support/sample-app';

/**
 * Two sample instances on one database whose revocation announcements never reach B (B listens
 * on another Redis channel, or there is no transport, and polls once a minute): what A revokes,
 * B's cached routes may still accept, but its `consistency: 'strong'` routes (password change,
 * admin) refuse at once, because they read the store before running.
 */
const setups: [string, DatabaseKind, boolean][] = [
  ['Postgres + Redis', 'postgres', true],
  ['MariaDB + Redis', 'mariadb', true],
  ['SQLite, polling only', 'sqlite', false],
];

describe.each(setups)('strong routes across two instances (%s)', (_name, kind, redis) => {
  let database: TestDatabase;
  let a: SampleTestApp;
  let b: SampleTestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const secret = randomBytes(32).toString('hex');
    const env = (channel: string): Record<string, string> => ({
      JWT_SECRET: secret,
      REVOCATION_POLL_INTERVAL: '60s',
      REVOCATION_MAX_STALENESS: '600s',
      ...(redis
        ? { REVOCATION_TRANSPORT: 'redis', REDIS_URL, REDIS_CHANNEL: channel }
        : { REVOCATION_TRANSPORT: 'polling' }),
    });
    const tag = randomBytes(4).toString('hex');
    a = await SampleTestApp.start(kind, 'fastify', env(`strong-a:${tag}`), { database });
    // B hears nothing A announces: its transport listens elsewhere.
    b = await SampleTestApp.start(kind, 'fastify', env(`strong-b:${tag}`), { database });
    await alignClocks([a, b]);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  it('refuses a password change on B with a token logged out on A, while a cached route on B has not heard of it', async () => {
    const { user, tokens } = await a.signUp();
    await a.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
    await b.http.get('/me/sessions').set(bearer(tokens.access_token)).expect(200);
    const res = await b.http
      .post('/me/password')
      .set(bearer(tokens.access_token))
      .send({ current_password: user.password, new_password: 'never-applied-123' })
      .expect(401);
    expect(res.body).toEqual(
      expect.objectContaining({ error: 'invalid_token', reason: 'session_ended' }),
    );
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    await a.login(user.email, user.password);
  });

  it('lets a strong route through for a live token', async () => {
    const { user, tokens } = await a.signUp();
    const res = await b.http
      .post('/me/password')
      .set(bearer(tokens.access_token))
      .send({ current_password: user.password, new_password: 'changed-on-b-123' })
      .expect(200);
    expect(res.body.access_token).toEqual(expect.any(String));
  });

  it('refuses an admin route on B as soon as the admin logs out on A', async () => {
    const admin = await a.loginAdmin();
    await b.http.get('/admin/users').set(bearer(admin.access_token)).expect(200);
    await a.http.post('/auth/logout').set(bearer(admin.access_token)).expect(204);
    const started = Date.now();
    const res = await b.http.get('/admin/users').set(bearer(admin.access_token)).expect(401);
    expect(res.body.reason).toBe('session_ended');
    // No propagation involved: one store read, far below B's one-minute poll.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
