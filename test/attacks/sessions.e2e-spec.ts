import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createTestDatabase, TestDatabase } from '../support/databases';
import {
  alignClocks,
  bearer,
  claimsOf,
  freshIp,
  SampleTestApp,
  Tokens,
} from '../sample/support/sample-app';
import { attackAdapters, describeAttacks } from './support/attack-suite';
import { ASVS_V9 } from './support/catalogue';

/**
 * ASVS 5.0 V9 items beyond the RFCs (data-driven), then the session items of ASVS 5.0 V6/V7, RFC 9700
 * and the OWASP cheat sheets, which need state: logins, refreshes, logouts and account changes.
 */
describeAttacks('ASVS 5.0 V9 self-contained tokens', ASVS_V9);

const sid = (tokens: Tokens) => String(claimsOf(tokens.access_token).sid);

describe.each(attackAdapters())('session attacks on %s', (adapter) => {
  let t: SampleTestApp;

  beforeAll(async () => {
    t = await SampleTestApp.start('sqlite', adapter, {
      SESSION_IDLE_TIMEOUT: '1h',
      SESSION_ABSOLUTE_TIMEOUT: '3h',
    });
  });
  afterAll(() => t?.close());

  const signUp = () => t.signUp(freshIp());
  const refresh = (token: string) =>
    t.http.post('/auth/refresh').set(freshIp()).send({ refresh_token: token });

  it('[ASVS 5.0 V7.4.1; RFC 7009] a logout ends the access and refresh token on every route, a forged one ends nothing', async () => {
    const { user, tokens } = await signUp();
    const [h, p] = tokens.access_token.split('.');
    await t.http
      .post('/auth/logout')
      .set(bearer(`${h}.${p}.`))
      .expect(401);
    expect(await t.meStatus(tokens.access_token)).toBe(200);
    await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
    expect(await t.meStatus(tokens.access_token)).toBe(401);
    expect(await t.guardStatus(tokens.access_token)).toBe(401);
    await t.http.post('/auth/logout-all').set(bearer(tokens.access_token)).expect(401);
    await t.http
      .post('/me/password')
      .set(bearer(tokens.access_token))
      .send({ current_password: user.password, new_password: 'another-password-9' })
      .expect(401);
    expect((await refresh(tokens.refresh_token)).status).toBe(400);
  });

  it('[ASVS 5.0 V7.4.1] logout everywhere ends all sessions of the user and nobody else’s', async () => {
    const { user, tokens } = await signUp();
    const second = await t.login(user.email, user.password, freshIp());
    const bystander = await signUp();
    await t.http.post('/auth/logout-all').set(bearer(tokens.access_token)).expect(204);
    for (const session of [tokens, second]) {
      expect(await t.meStatus(session.access_token)).toBe(401);
      expect((await refresh(session.refresh_token)).status).toBe(400);
    }
    expect(await t.meStatus(bystander.tokens.access_token)).toBe(200);
  });

  it('[ASVS 5.0 V7.4.2] suspending or deleting an account ends its sessions and its logins', async () => {
    const admin = await t.loginAdmin();
    for (const action of ['suspend', 'delete'] as const) {
      const { user, tokens } = await signUp();
      const request =
        action === 'suspend'
          ? t.http.post(`/admin/users/${user.id}/suspend`)
          : t.http.delete(`/admin/users/${user.id}`);
      await request.set(bearer(admin.access_token)).expect(204);
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      expect((await refresh(tokens.refresh_token)).status).toBe(400);
      const login = await t.http
        .post('/auth/login')
        .set(freshIp())
        .send({ email: user.email, password: user.password });
      expect([action, login.status]).toEqual([action, action === 'suspend' ? 403 : 401]);
    }
  });

  it('[ASVS 5.0 V6.2.3, V7.4.3] a password change needs the current password and ends the other sessions', async () => {
    const { user, tokens } = await signUp();
    const other = await t.login(user.email, user.password, freshIp());
    await t.http
      .post('/me/password')
      .set(bearer(tokens.access_token))
      .set(freshIp())
      .send({ current_password: 'wrong-password-1', new_password: 'another-password-9' })
      .expect(403);
    await t.http
      .post('/me/password')
      .set(bearer(tokens.access_token))
      .send({ new_password: 'another-password-9' })
      .expect(400);
    expect(await t.meStatus(other.access_token)).toBe(200);
    const changed = await t.http
      .post('/me/password')
      .set(bearer(tokens.access_token))
      .set(freshIp())
      .send({ current_password: user.password, new_password: 'another-password-9' })
      .expect(200);
    for (const old of [tokens, other]) {
      expect(await t.meStatus(old.access_token)).toBe(401);
      expect((await refresh(old.refresh_token)).status).toBe(400);
    }
    expect(await t.meStatus(changed.body.access_token)).toBe(200);
    await t.login(user.email, 'another-password-9', freshIp());
  });

  it('[ASVS 5.0 V7.4.5] an administrator ends one session of a user, then all of them', async () => {
    const admin = await t.loginAdmin();
    const { user, tokens } = await signUp();
    const other = await t.login(user.email, user.password, freshIp());
    await t.http
      .post('/admin/revocations')
      .set(bearer(admin.access_token))
      .send({ session_id: sid(tokens), reason: 'attack-suite' })
      .expect(201);
    expect(await t.meStatus(tokens.access_token)).toBe(401);
    expect(await t.meStatus(other.access_token)).toBe(200);
    await t.http
      .post('/admin/revocations')
      .set(bearer(admin.access_token))
      .send({ user_id: user.id, reason: 'attack-suite' })
      .expect(201);
    expect(await t.meStatus(other.access_token)).toBe(401);
    expect((await refresh(other.refresh_token)).status).toBe(400);
  });

  it('[ASVS 4.0.3 V3.3.4] users see their sessions and end one of them, never someone else’s', async () => {
    const { user, tokens } = await signUp();
    const other = await t.login(user.email, user.password, freshIp());
    const stranger = await signUp();
    const list = await t.http.get('/me/sessions').set(bearer(tokens.access_token)).expect(200);
    expect(list.body.map((s: { id: string }) => s.id).sort()).toEqual(
      [sid(tokens), sid(other)].sort(),
    );
    await t.http
      .delete(`/me/sessions/${sid(stranger.tokens)}`)
      .set(bearer(tokens.access_token))
      .expect(404);
    expect(await t.meStatus(stranger.tokens.access_token)).toBe(200);
    await t.http
      .delete(`/me/sessions/${sid(other)}`)
      .set(bearer(tokens.access_token))
      .expect(204);
    expect(await t.meStatus(other.access_token)).toBe(401);
    expect(await t.meStatus(tokens.access_token)).toBe(200);
  });

  it('[ASVS 5.0 V7.2.4 (session fixation)] every login starts a new session whatever tokens it is sent with', async () => {
    const { user, tokens } = await signUp();
    const again = await t.http
      .post('/auth/login')
      .set(bearer(tokens.access_token))
      .set(freshIp())
      .send({ email: user.email, password: user.password, refresh_token: tokens.refresh_token });
    expect([400, 200]).toContain(again.status);
    const fresh = await t.http
      .post('/auth/login')
      .set(bearer(tokens.access_token))
      .set('Cookie', `sid=${sid(tokens)}`)
      .set(freshIp())
      .send({ email: user.email, password: user.password })
      .expect(200);
    const claims = claimsOf(fresh.body.access_token);
    expect(claims.sid).not.toBe(sid(tokens));
    expect(claims.jti).not.toBe(claimsOf(tokens.access_token).jti);
    expect(fresh.body.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('[ASVS 4.0.3 V3.3.2 (idle period); CWE-613] a session unused past SESSION_IDLE_TIMEOUT cannot be refreshed', async () => {
    const { tokens } = await signUp();
    await t.advance(61 * 60 * 1000);
    expect((await refresh(tokens.refresh_token)).status).toBe(400);
  });

  it('[ASVS 5.0 V7.1.1 (absolute maximum session lifetime); CWE-613] refreshing keeps a session only until SESSION_ABSOLUTE_TIMEOUT', async () => {
    let { tokens } = await signUp();
    for (let i = 0; i < 5; i++) {
      await t.advance(40 * 60 * 1000);
      const res = await refresh(tokens.refresh_token);
      if (i < 4) {
        expect([i, res.status]).toEqual([i, 200]);
        tokens = res.body as Tokens;
      } else {
        expect(res.status).toBe(400);
      }
    }
  });

  it('[RFC 9700 §4.14.2 (refresh token rotation); RFC 6749 §10.4] a rotated refresh token replayed after the grace ends the whole session', async () => {
    const { tokens } = await signUp();
    const next = (await refresh(tokens.refresh_token).expect(200)).body as Tokens;
    await t.advance(6000);
    const replay = await refresh(tokens.refresh_token).expect(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(await t.meStatus(next.access_token)).toBe(401);
    expect((await refresh(next.refresh_token)).status).toBe(400);
  });

  it('[OWASP JWT cheat sheet "No built-in token revocation"; ASVS 5.0 V7.4.1] a role change ends tokens carrying the old roles', async () => {
    const admin = await t.loginAdmin();
    const { user, tokens } = await signUp();
    await t.http
      .put(`/admin/users/${user.id}/roles`)
      .set(bearer(admin.access_token))
      .send({ roles: ['user', 'auditor'] })
      .expect(200);
    const refused = await t.http.get('/me').set(bearer(tokens.access_token)).expect(401);
    expect(refused.body.reason).toBe('claims_changed');
    // The session lives on: its refresh mints tokens with the new roles, and the old one is spent.
    const renewed = (await refresh(tokens.refresh_token).expect(200)).body as Tokens;
    expect(claimsOf(renewed.access_token).roles).toEqual(['user', 'auditor']);
    expect(await t.meStatus(renewed.access_token)).toBe(200);
    expect(await t.meStatus(tokens.access_token)).toBe(401);
  });

  it('[RFC 7009 §2.1-2.2] revoking through /oauth/revoke ends the token; unknown tokens answer 200 and end nothing', async () => {
    const { tokens } = await signUp();
    const bystander = await signUp();
    // The client must identify itself (the sample's first-party client is public).
    await t.http
      .post('/oauth/revoke')
      .type('form')
      .send({ token: tokens.access_token })
      .expect(401)
      .expect((res) => expect(res.body.error).toBe('invalid_client'));
    const form = (token: string) =>
      t.http.post('/oauth/revoke').type('form').send({ token, client_id: 'sample' }).expect(200);
    await form('not-a-token');
    const [h, p] = tokens.access_token.split('.');
    await form(`${h}.${p}.`);
    expect(await t.meStatus(tokens.access_token)).toBe(200);
    await form(tokens.access_token);
    expect(await t.meStatus(tokens.access_token)).toBe(401);
    await form(tokens.refresh_token);
    expect((await refresh(tokens.refresh_token)).status).toBe(400);
    expect(await t.meStatus(bystander.tokens.access_token)).toBe(200);
  });

  it('[RFC 7662 §4 (introspection needs authorisation)] only administrators may introspect', async () => {
    const { tokens } = await signUp();
    const introspect = t.http.post('/oauth/introspect').type('form');
    await introspect.send({ token: tokens.access_token }).expect(401);
    await t.http
      .post('/oauth/introspect')
      .type('form')
      .set(bearer(tokens.access_token))
      .send({ token: tokens.access_token })
      .expect(403);
  });

  it('[OWASP Authentication cheat sheet (authentication and error messages); CWE-204] an unknown email and a wrong password get the same answer', async () => {
    const { user } = await signUp();
    const unknown = await t.http
      .post('/auth/login')
      .set(freshIp())
      .send({
        email: `nobody-${randomBytes(4).toString('hex')}@example.test`,
        password: 'x-x-x-x-x',
      });
    const wrong = await t.http
      .post('/auth/login')
      .set(freshIp())
      .send({ email: user.email, password: 'x-x-x-x-x' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    const headerNames = (res: typeof unknown) =>
      Object.keys(res.headers)
        .filter((name) => !['date', 'content-length', 'etag'].includes(name))
        .sort();
    expect(headerNames(unknown)).toEqual(headerNames(wrong));
  });

  it('[OWASP Authentication cheat sheet (authentication responses); CWE-208 (timing discrepancy)] an unknown email takes as long as a wrong password (a dummy hash is checked)', async () => {
    // Four failures per account stay under its limit of five (a 429 would skip the hash).
    const users = [await t.register(), await t.register()];
    const time = async (email: string) => {
      const started = performance.now();
      await t.http
        .post('/auth/login')
        .set(freshIp())
        .send({ email, password: 'x-x-x-x-x' })
        .expect(401);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      known.push(await time(users[i >> 2].email));
      unknown.push(await time(`nobody-${i}-${randomBytes(4).toString('hex')}@example.test`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const ratio = median(unknown) / median(known);
    console.log(
      `login timing (${adapter}): median unknown ${median(unknown).toFixed(1)} ms, wrong password ${median(known).toFixed(1)} ms`,
    );
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('[OWASP Authentication cheat sheet (brute force); RFC 6585 §4] concurrent wrong passwords: exactly the account limit gets a 401', async () => {
    const { user } = await signUp();
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await t.http
          .post('/auth/login')
          .set(freshIp())
          .send({ email: user.email, password: `wrong-${i}` });
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s !== 401).every((s) => s === 429)).toBe(true);
  });
});

describe.each(attackAdapters())('limits an attacker cannot shed on %s', (adapter) => {
  let t: SampleTestApp;

  beforeAll(async () => {
    t = await SampleTestApp.start('sqlite', adapter, {
      TRUST_PROXY: 'false',
      LOGIN_MAX_FAILURES_PER_IP: '3',
    });
  });
  afterAll(() => t?.close());

  it('[OWASP Authentication cheat sheet; CWE-348 (X-Forwarded-For spoofing)] without a trusted proxy, a forged X-Forwarded-For does not reset the per-IP limit', async () => {
    for (let i = 0; i < 3; i++) {
      await t.http
        .post('/auth/login')
        .set(freshIp())
        .send({ email: `xff-${i}@example.test`, password: 'guess-guess' })
        .expect(401);
    }
    const limited = await t.http
      .post('/auth/login')
      .set(freshIp())
      .send({ email: 'xff-last@example.test', password: 'guess-guess' });
    expect(limited.status).toBe(429);
  });
});

describe('a refresh race over two instances on one database', () => {
  let database: TestDatabase;
  let a: SampleTestApp;
  let b: SampleTestApp;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const env = { JWT_SECRET: randomBytes(32).toString('hex') };
    a = await SampleTestApp.start('sqlite', 'fastify', env, { database });
    b = await SampleTestApp.start('sqlite', 'express', env, { database });
    await alignClocks([a, b]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('[RFC 9700 §4.14.2; CWE-362 (race)] concurrent refreshes of one token on two instances yield one successor', async () => {
    const { tokens } = await a.signUp(freshIp());
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b).http.post('/auth/refresh').send({ refresh_token: tokens.refresh_token }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 200 || r.status === 400)).toBe(true);
    expect(new Set(ok.map((r) => r.body.refresh_token as string)).size).toBe(1);
    expect(await b.refreshStatus(ok[0].body.refresh_token)).toBe(200);
  });
});
