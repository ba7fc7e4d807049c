import { SessionService } from 'nestjs-jwt-revocation';
import { PasswordHasher } from '../../apps/sample/src/users/password.hasher';
import { UsersService } from '../../apps/sample/src/users/users.service';
import {
  auditOf,
  bearer,
  claimsOf,
  freshIp,
  sampleMatrix,
  SampleTestApp,
} from './support/sample-app';

const MINUTE = 60_000;

describe.each(sampleMatrix())('sample auth on %s with %s', (kind, adapter) => {
  let t: SampleTestApp;

  beforeAll(async () => {
    t = await SampleTestApp.start(kind, adapter, {
      LOGIN_MAX_FAILURES_PER_IP: '8',
      SESSION_IDLE_TIMEOUT: '1h',
      SESSION_ABSOLUTE_TIMEOUT: '3h',
    });
  });
  afterAll(() => t?.close());

  describe('POST /auth/register', () => {
    it('creates a user with role user and a normalized email', async () => {
      const res = await t.http
        .post('/auth/register')
        .send({ email: '  Grace.Hopper@Example.TEST ', password: 'compiler-1952' })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: 'grace.hopper@example.test',
        roles: ['user'],
      });
      await t.login('grace.hopper@example.test', 'compiler-1952');
    });

    it('answers 409 when the email is taken, whatever its case', async () => {
      const user = await t.register();
      const res = await t.http
        .post('/auth/register')
        .send({ email: user.email.toUpperCase(), password: 'another-password' })
        .expect(409);
      expect(res.body.error).toBe('email_taken');
    });

    it.each([
      ['a malformed email', { email: 'not-an-email', password: 'long-enough' }],
      ['a short password', { email: 'short@example.test', password: 'seven77' }],
      ['a numeric email', { email: 42, password: 'long-enough' }],
      ['an array password', { email: 'arr@example.test', password: ['long-enough'] }],
      ['a null password', { email: 'null@example.test', password: null }],
      ['a missing password', { email: 'missing@example.test' }],
      [
        'an unknown field',
        { email: 'extra@example.test', password: 'long-enough', roles: ['admin'] },
      ],
      ['a huge password', { email: 'huge@example.test', password: 'x'.repeat(10_000) }],
    ])('answers 400 for %s', async (_, body) => {
      const res = await t.http.post('/auth/register').send(body).expect(400);
      expect(res.body.statusCode).toBe(400);
    });
  });

  describe('POST /auth/login', () => {
    it('returns an RFC 6749 token response whose access token works', async () => {
      const user = await t.register();
      const res = await t.http
        .post('/auth/login')
        .send({ email: user.email.toUpperCase(), password: user.password })
        .expect(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
      });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(claimsOf(res.body.access_token)).toMatchObject({ sub: user.id, roles: ['user'] });
      const me = await t.http.get('/me').set(bearer(res.body.access_token)).expect(200);
      expect(me.body).toEqual({ id: user.id, email: user.email, roles: ['user'] });
    });

    it('gives a wrong password and an unknown email the same 401, each costing one hash', async () => {
      const user = await t.register();
      const verify = jest.spyOn(t.app.get(PasswordHasher), 'verify');
      try {
        const wrong = await t.http
          .post('/auth/login')
          .set(freshIp())
          .send({ email: user.email, password: 'wrong-password' })
          .expect(401);
        const unknown = await t.http
          .post('/auth/login')
          .set(freshIp())
          .send({ email: 'nobody@example.test', password: 'wrong-password' })
          .expect(401);
        expect(unknown.body).toEqual(wrong.body);
        expect(wrong.body).toEqual({
          statusCode: 401,
          error: 'invalid_credentials',
          message: 'Invalid email or password',
        });
        expect(verify).toHaveBeenCalledTimes(2);
        expect(verify).toHaveBeenNthCalledWith(2, null, 'wrong-password');
      } finally {
        verify.mockRestore();
      }
    });

    it('answers 400 for wrong types', async () => {
      await t.http
        .post('/auth/login')
        .send({ email: ['a'], password: 'x' })
        .expect(400);
      await t.http.post('/auth/login').send({ email: 'a@example.test', password: 5 }).expect(400);
      await t.http.post('/auth/login').send({}).expect(400);
    });

    it('limits failures per account with 429 and Retry-After, then lets the account in again', async () => {
      const user = await t.register();
      for (let i = 0; i < 5; i++) {
        await t.http
          .post('/auth/login')
          .set(freshIp())
          .send({ email: user.email, password: `wrong-${i}` })
          .expect(401);
      }
      const limited = await t.http
        .post('/auth/login')
        .set(freshIp())
        .send({ email: user.email, password: user.password })
        .expect(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      await t.advance(retryAfter * 1000);
      await t.login(user.email, user.password, freshIp());
    });

    it('limits failures per IP across accounts, leaving other IPs alone', async () => {
      const ip = freshIp();
      for (let i = 0; i < 8; i++) {
        await t.http
          .post('/auth/login')
          .set(ip)
          .send({ email: `stranger${i}@example.test`, password: 'guess-guess' })
          .expect(401);
      }
      const user = await t.register();
      const limited = await t.http
        .post('/auth/login')
        .set(ip)
        .send({ email: user.email, password: user.password })
        .expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await t.login(user.email, user.password, freshIp());
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates the pair: the new tokens work and the refresh token changes', async () => {
      const { user, tokens } = await t.signUp();
      const res = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      expect(res.body.token_type).toBe('Bearer');
      expect(res.body.refresh_token).not.toBe(tokens.refresh_token);
      expect(claimsOf(res.body.access_token).sid).toBe(claimsOf(tokens.access_token).sid);
      expect(claimsOf(res.body.access_token).sub).toBe(user.id);
      expect(await t.meStatus(res.body.access_token)).toBe(200);
      expect(await t.refreshStatus(res.body.refresh_token)).toBe(200);
    });

    it('hands the same successor to a retry within the grace window, never a second one', async () => {
      const { tokens } = await t.signUp();
      const first = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      await t.advance(2000);
      const retry = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      expect(retry.body.refresh_token).toBe(first.body.refresh_token);
      expect(await t.meStatus(retry.body.access_token)).toBe(200);
      expect(await t.refreshStatus(first.body.refresh_token)).toBe(200);
    });

    it('ends the whole session when a rotated token comes back after the grace window', async () => {
      const { tokens } = await t.signUp();
      const sid = claimsOf(tokens.access_token).sid as string;
      const next = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      await t.advance(6000);
      const reuse = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(400);
      expect(reuse.body).toEqual({
        error: 'invalid_grant',
        error_description: 'The refresh token has been revoked; log in again',
      });
      expect(reuse.headers['www-authenticate']).toBeUndefined();
      expect(reuse.headers['cache-control']).toBe('no-store');
      expect(await t.refreshStatus(next.body.refresh_token)).toBe(400);
      expect(await t.meStatus(next.body.access_token)).toBe(401);
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      const reasons = (await auditOf(t, sid)).map((e) => e.reason);
      expect(reasons).toEqual(expect.arrayContaining(['refresh_reuse', 'suspicious_activity']));
    });

    it('gives concurrent refreshes with one token at most one successor', async () => {
      const { tokens } = await t.signUp();
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.http.post('/auth/refresh').send({ refresh_token: tokens.refresh_token }),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length).toBeGreaterThan(0);
      expect(results.every((r) => r.status === 200 || r.status === 400)).toBe(true);
      expect(new Set(ok.map((r) => r.body.refresh_token as string)).size).toBe(1);
      expect(await t.refreshStatus(ok[0].body.refresh_token)).toBe(200);
    });

    it('ends the session when it is refreshed from another user agent', async () => {
      const { tokens } = await t.signUp({ 'User-Agent': 'phone-app/1.0' });
      const sid = claimsOf(tokens.access_token).sid as string;
      expect(await t.refreshStatus(tokens.refresh_token, { 'User-Agent': 'curl/8.0' })).toBe(400);
      expect(await t.refreshStatus(tokens.refresh_token, { 'User-Agent': 'phone-app/1.0' })).toBe(
        400,
      );
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      const entries = await auditOf(t, sid);
      expect(entries).toContainEqual(
        expect.objectContaining({
          kind: 'session',
          target: sid,
          reason: 'suspicious_activity',
          actor: 'system',
        }),
      );
    });

    it('ends a session that was idle longer than SESSION_IDLE_TIMEOUT', async () => {
      const { tokens } = await t.signUp();
      const sid = claimsOf(tokens.access_token).sid as string;
      await t.advance(61 * MINUTE);
      const idle = await t.http.post('/auth/refresh').send({ refresh_token: tokens.refresh_token });
      expect([idle.status, idle.body]).toEqual([
        400,
        {
          error: 'invalid_grant',
          error_description: 'The refresh token has expired; log in again',
        },
      ]);
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      expect((await auditOf(t, sid)).map((e) => e.reason)).toContain('session_timeout');
    });

    it('ends a session at SESSION_ABSOLUTE_TIMEOUT however active it is', async () => {
      let { tokens } = await t.signUp();
      for (let i = 0; i < 3; i++) {
        await t.advance(50 * MINUTE);
        const res = await t.http
          .post('/auth/refresh')
          .send({ refresh_token: tokens.refresh_token })
          .expect(200);
        tokens = res.body;
      }
      await t.advance(40 * MINUTE);
      expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
    });

    it('refuses an access token in place of a refresh token', async () => {
      const { tokens } = await t.signUp();
      const res = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.access_token })
        .expect(400);
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'The refresh token is invalid',
      });
    });

    it.each([
      ['missing', {}],
      ['a number', { refresh_token: 12 }],
      ['an object', { refresh_token: { token: 'x' } }],
      ['empty', { refresh_token: '' }],
    ])('answers 400 when the refresh token is %s', async (_, body) => {
      await t.http.post('/auth/refresh').send(body).expect(400);
    });

    it.each([
      ['garbage', 'not-a-token'],
      ['a forged token', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'],
      ['a huge string', 'a'.repeat(20_000)],
    ])('answers 400 invalid_grant for %s, with no bearer challenge', async (_, token) => {
      const res = await t.http.post('/auth/refresh').send({ refresh_token: token }).expect(400);
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'The refresh token is invalid',
      });
      expect(res.headers['www-authenticate']).toBeUndefined();
    });
  });

  describe('POST /auth/logout', () => {
    it('ends this session only', async () => {
      const user = await t.register();
      const here = await t.login(user.email, user.password);
      const there = await t.login(user.email, user.password);
      await t.http.post('/auth/logout').set(bearer(here.access_token)).expect(204);
      const denied = await t.http.get('/me').set(bearer(here.access_token)).expect(401);
      expect(denied.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(await t.refreshStatus(here.refresh_token)).toBe(400);
      expect(await t.meStatus(there.access_token)).toBe(200);
      expect(await t.refreshStatus(there.refresh_token)).toBe(200);
      const sid = claimsOf(here.access_token).sid as string;
      expect(await auditOf(t, sid)).toContainEqual(
        expect.objectContaining({ kind: 'session', reason: 'logout', actor: user.id }),
      );
    });

    it('needs a bearer token', async () => {
      const res = await t.http.post('/auth/logout').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });
  });

  describe('POST /auth/logout-all', () => {
    it('ends every session of the user and leaves later logins working', async () => {
      const user = await t.register();
      const a = await t.login(user.email, user.password);
      const b = await t.login(user.email, user.password);
      const other = await t.signUp();
      await t.http.post('/auth/logout-all').set(bearer(a.access_token)).expect(204);
      for (const tokens of [a, b]) {
        expect(await t.meStatus(tokens.access_token)).toBe(401);
        expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
      }
      expect(await t.meStatus(other.tokens.access_token)).toBe(200);
      const fresh = await t.login(user.email, user.password);
      expect(await t.meStatus(fresh.access_token)).toBe(200);
      expect(await auditOf(t, user.id)).toContainEqual(
        expect.objectContaining({ kind: 'user', reason: 'logout_all', actor: user.id }),
      );
    });
  });
});

describe.each(sampleMatrix().slice(0, 1))(
  'sample login racing an account change (%s, %s)',
  (kind, adapter) => {
    let t: SampleTestApp;

    beforeAll(async () => {
      t = await SampleTestApp.start(kind, adapter);
    });
    afterAll(() => t?.close());

    it('withdraws a session issued while the account was being suspended', async () => {
      const user = await t.register();
      const users = t.app.get(UsersService);
      const issue = jest.spyOn(t.app.get(SessionService), 'issue');
      const read = jest.spyOn(users, 'findByEmail').mockImplementationOnce(async (email) => {
        const stale = await users.findByEmail(email);
        await users.suspend(user.id, 'test');
        return stale;
      });
      try {
        const res = await t.http
          .post('/auth/login')
          .send({ email: user.email, password: user.password })
          .expect(409);
        expect(res.body.error).toBe('account_changed');
        const pair = await issue.mock.results[0].value;
        expect(await t.meStatus(pair.accessToken)).toBe(401);
        expect(await t.refreshStatus(pair.refreshToken)).toBe(400);
      } finally {
        read.mockRestore();
        issue.mockRestore();
      }
    });
  },
);

describe.each(sampleMatrix().slice(0, 1))(
  'sample with REFRESH_REUSE_GRACE=0 (%s, %s)',
  (kind, adapter) => {
    let t: SampleTestApp;

    beforeAll(async () => {
      t = await SampleTestApp.start(kind, adapter, { REFRESH_REUSE_GRACE: '0' });
    });
    afterAll(() => t?.close());

    it('treats an immediate retry with the rotated token as reuse', async () => {
      const { tokens } = await t.signUp();
      const next = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
      expect(await t.refreshStatus(next.body.refresh_token)).toBe(400);
    });
  },
);
