import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from '../support/databases';
import { until } from '../support/until';
import { alignClocks, bearer, sampleMatrix, SampleTestApp, TestUser } from './support/sample-app';

/**
 * How long a change may take to reach the other instance: polling runs every second, and an
 * instance that could not confirm its cache within `REVOCATION_MAX_STALENESS` (5 s) stops trusting it.
 */
const BOUND_MS = 5000;

async function settlesAt(instances: SampleTestApp[], token: string, status: number) {
  for (const t of instances) {
    await until(async () => (await t.guardStatus(token)) === status, BOUND_MS, `${status}`);
  }
}

/** A well-signed access token for a session the store never recorded. */
function forgeAccessToken(secret: string, user: TestUser, now: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(now / 1000);
  const body = `${encode({ alg: 'HS256', typ: 'at+jwt' })}.${encode({
    sub: user.id,
    jti: randomUUID(),
    sid: randomUUID(),
    iat,
    exp: iat + 600,
    uv: 0,
    gv: 0,
    roles: ['user'],
  })}`;
  return `${body}.${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('base64url')}`;
}

const matrix = sampleMatrix().filter(
  ([kind, adapter]) => kind !== 'mariadb' && adapter === 'fastify',
);
const modes = ['denylist', 'allowlist'] as const;

describe.each(modes)('REVOCATION_MODE=%s', (mode) => {
  const allowlist = mode === 'allowlist';

  describe.each(matrix)('two instances on one %s database (%s)', (kind, adapter) => {
    let database: TestDatabase;
    let a: SampleTestApp;
    let b: SampleTestApp;
    const secret = randomBytes(32).toString('hex');
    const env = {
      JWT_SECRET: secret,
      REVOCATION_MODE: mode,
      ACCESS_TOKEN_TTL: '1h',
      SESSION_ABSOLUTE_TIMEOUT: '10m',
    };
    const start = () => SampleTestApp.start(kind, adapter, env, { database });

    beforeAll(async () => {
      database = await createTestDatabase(kind);
      a = await start();
      b = await start();
      await alignClocks([a, b]);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it('accepts a token of an active session on both instances', async () => {
      const { tokens } = await a.signUp();
      await settlesAt([a, b], tokens.access_token, 200);
    });

    it('refuses a token whose session ended (logout) on both instances', async () => {
      const { tokens } = await b.signUp();
      await settlesAt([a, b], tokens.access_token, 200);
      await b.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
      await settlesAt([a, b], tokens.access_token, 401);
      expect(await a.refreshStatus(tokens.refresh_token)).toBe(400);
    });

    it(`${allowlist ? 'refuses' : 'accepts'} a valid token whose session was never recorded`, async () => {
      const { user } = await a.signUp();
      const forged = forgeAccessToken(secret, user, a.clock.now());
      const status = allowlist ? 401 : 200;
      expect(await a.guardStatus(forged)).toBe(status);
      expect(await b.guardStatus(forged)).toBe(status);
    });

    it('keeps its decisions after a restart', async () => {
      const active = await a.signUp();
      const ended = await a.signUp();
      await a.http.post('/auth/logout').set(bearer(ended.tokens.access_token)).expect(204);
      await settlesAt([b], ended.tokens.access_token, 401);
      await a.close();
      a = await start();
      await alignClocks([a, b]);
      expect(await a.guardStatus(active.tokens.access_token)).toBe(200);
      expect(await a.guardStatus(ended.tokens.access_token)).toBe(401);
      const forged = forgeAccessToken(secret, active.user, a.clock.now());
      expect(await a.guardStatus(forged)).toBe(allowlist ? 401 : 200);
      // A session opened after the restart reaches the instance that kept running.
      const later = await a.login(active.user.email, active.user.password);
      await settlesAt([a, b], later.access_token, 200);
    });

    it('refuses a token whose session expired, on both instances', async () => {
      const { tokens } = await b.signUp();
      await settlesAt([a, b], tokens.access_token, 200);
      // Past the 10-minute session end, within the access token's hour.
      for (const t of [a, b]) await t.advance(11 * 60 * 1000);
      expect(await a.guardStatus(tokens.access_token)).toBe(401);
      expect(await b.guardStatus(tokens.access_token)).toBe(401);
      expect(await a.refreshStatus(tokens.refresh_token)).toBe(400);
    });
  });
});
