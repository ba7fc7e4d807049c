import { randomBytes } from 'node:crypto';
import { SampleConfig } from '../../apps/sample/src/config/sample.config';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { REDIS_URL } from '../support/redis-server';
import { until } from '../support/until';
import { alignClocks, auditOf, bearer, sampleMatrix, SampleTestApp } from './support/sample-app';

const matrix = sampleMatrix().filter(([kind]) => kind !== 'mariadb');

describe.each(matrix)('kill switch POST /admin/revocations/all on %s with %s', (kind, adapter) => {
  let database: TestDatabase;
  let a: SampleTestApp;
  let b: SampleTestApp;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const env = {
      JWT_SECRET: randomBytes(32).toString('hex'),
      REDIS_URL,
      REDIS_CHANNEL: `kill-switch-test:${randomBytes(4).toString('hex')}`,
    };
    // No polling: the second instance can only learn through the transport.
    const options = { database, tune: (config: SampleConfig) => (config.jwt.pollInterval = 0) };
    a = await SampleTestApp.start(kind, adapter, env, options);
    b = await SampleTestApp.start(kind, adapter, env, options);
    await alignClocks([a, b]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it.each([
    ['no confirmation', { reason: 'signing key leaked' }],
    ['a wrong confirmation', { confirm: 'revoke all', reason: 'signing key leaked' }],
    ['no reason', { confirm: 'REVOKE ALL' }],
    ['an empty reason', { confirm: 'REVOKE ALL', reason: '' }],
  ])('answers 400 to %s and revokes nothing', async (_, body) => {
    const { tokens } = await a.signUp();
    const admin = await a.loginAdmin();
    const res = await a.http
      .post('/admin/revocations/all')
      .set(bearer(admin.access_token))
      .send(body)
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400 });
    expect(await a.guardStatus(tokens.access_token)).toBe(200);
    expect(await a.guardStatus(admin.access_token)).toBe(200);
  });

  it('refuses callers who are not admins', async () => {
    const { tokens } = await a.signUp();
    await a.http
      .post('/admin/revocations/all')
      .set(bearer(tokens.access_token))
      .send({ confirm: 'REVOKE ALL', reason: 'nope' })
      .expect(403);
  });

  it('refuses every earlier token on both instances, lets new logins in at once, and audits', async () => {
    const first = await a.signUp();
    const second = await b.signUp();
    const admin = await a.loginAdmin();
    const res = await a.http
      .post('/admin/revocations/all')
      .set(bearer(admin.access_token))
      .send({ confirm: 'REVOKE ALL', reason: 'signing key leaked' })
      .expect(201);
    expect(res.body.revoked).toBeGreaterThanOrEqual(3);

    for (const token of [
      first.tokens.access_token,
      second.tokens.access_token,
      admin.access_token,
    ]) {
      expect(await a.guardStatus(token)).toBe(401);
      await until(async () => (await b.guardStatus(token)) === 401, 2000, 'B refuses');
    }
    expect(await a.refreshStatus(first.tokens.refresh_token)).toBe(400);
    expect(await b.refreshStatus(second.tokens.refresh_token)).toBe(400);

    const again = await b.login(first.user.email, first.user.password);
    expect(await a.guardStatus(again.access_token)).toBe(200);
    expect(await b.guardStatus(again.access_token)).toBe(200);
    expect(await b.refreshStatus(again.refresh_token)).toBe(200);

    const [entry] = await auditOf(b, '*');
    expect(entry).toMatchObject({
      kind: 'global',
      reason: 'signing key leaked',
      actor: expect.any(String),
    });
    const me = await b.http.get('/me').set(bearer((await b.loginAdmin()).access_token));
    expect(entry.actor).toBe(me.body.id);
  });
});
