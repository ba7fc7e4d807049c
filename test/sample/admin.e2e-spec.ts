import { randomUUID } from 'node:crypto';
import { Test } from 'supertest';
import { RevocationStore, RevocationSync, StoreUnavailableException } from 'nestjs-jwt-revocation';
import {
  ADMIN,
  auditOf,
  bearer,
  claimsOf,
  freshIp,
  sampleMatrix,
  SampleTestApp,
  Tokens,
} from './support/sample-app';

describe.each(sampleMatrix())('sample admin on %s with %s', (kind, adapter) => {
  let t: SampleTestApp;
  let admin: Tokens;
  let adminId: string;

  beforeAll(async () => {
    t = await SampleTestApp.start(kind, adapter);
    admin = await t.loginAdmin();
    adminId = claimsOf(admin.access_token).sub as string;
  });
  afterAll(() => t?.close());

  const asAdmin = () => bearer(admin.access_token);

  function call(method: string, path: string, body: object | null): Test {
    const http = t.http as unknown as Record<string, (path: string) => Test>;
    const req = http[method](path);
    return body === null ? req : req.send(body);
  }

  describe('access', () => {
    const routes: [string, string, object | null][] = [
      ['get', '/admin/users', null],
      ['put', `/admin/users/${randomUUID()}/roles`, { roles: ['admin'] }],
      ['post', `/admin/users/${randomUUID()}/suspend`, null],
      ['post', `/admin/users/${randomUUID()}/reinstate`, null],
      ['delete', `/admin/users/${randomUUID()}`, null],
      ['post', '/admin/revocations', { ip: '192.0.2.1', reason: 'test' }],
      ['get', '/admin/revocations', null],
    ];

    it.each(routes)(
      '%s %s answers 403 insufficient_scope to a non-admin',
      async (method, path, body) => {
        const { tokens } = await t.signUp();
        const res = await call(method, path, body).set(bearer(tokens.access_token));
        expect(res.status).toBe(403);
        expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
      },
    );

    it.each(routes)('%s %s answers 401 without a token', async (method, path, body) => {
      const res = await call(method, path, body);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });
  });

  it('creates the ADMIN_EMAIL account at boot', async () => {
    expect(claimsOf(admin.access_token).roles).toEqual(['admin']);
    const me = await t.http.get('/me').set(asAdmin()).expect(200);
    expect(me.body.email).toBe(ADMIN.email);
  });

  it('GET /admin/users lists accounts', async () => {
    const user = await t.register();
    const res = await t.http.get('/admin/users').set(asAdmin()).expect(200);
    expect(res.body).toContainEqual({
      id: user.id,
      email: user.email,
      roles: ['user'],
      status: 'active',
      created_at: expect.any(String),
    });
    expect(res.body).toContainEqual(expect.objectContaining({ id: adminId, roles: ['admin'] }));
    const page = await t.http
      .get('/admin/users')
      .query({ limit: 1, offset: 1 })
      .set(asAdmin())
      .expect(200);
    expect(page.body).toHaveLength(1);
    await t.http.get('/admin/users').query({ limit: 'many' }).set(asAdmin()).expect(400);
  });

  describe('PUT /admin/users/:id/roles', () => {
    it('refuses earlier access tokens as outdated claims; a refresh carries the new roles, no new login', async () => {
      const { user, tokens } = await t.signUp();
      const other = await t.login(user.email, user.password);
      const res = await t.http
        .put(`/admin/users/${user.id}/roles`)
        .set(asAdmin())
        .send({ roles: ['user', 'auditor'] })
        .expect(200);
      expect(res.body).toMatchObject({ id: user.id, roles: ['user', 'auditor'] });
      for (const old of [tokens, other]) {
        const refused = await t.http.get('/me').set(bearer(old.access_token)).expect(401);
        expect(refused.headers['www-authenticate']).toContain('outdated claims; refresh it');
      }
      const refreshed = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      expect(claimsOf(refreshed.body.access_token).roles).toEqual(['user', 'auditor']);
      expect(claimsOf(refreshed.body.access_token).sid).toBe(claimsOf(tokens.access_token).sid);
      expect(await t.meStatus(refreshed.body.access_token)).toBe(200);
      const sessions = await t.http
        .get('/me/sessions')
        .set(bearer(refreshed.body.access_token))
        .expect(200);
      expect(sessions.body).toHaveLength(2);
      const entries = (await auditOf(t, user.id)).filter((e) => e.reason === 'role_change');
      expect(entries).toEqual([
        expect.objectContaining({
          kind: 'claims',
          reason: 'role_change',
          actor: adminId,
          count: 2,
        }),
      ]);
    });

    it('changes nothing when the revocation fails inside the transaction: 503, old roles, tokens valid', async () => {
      const { user, tokens } = await t.signUp();
      const store = t.app.get<RevocationStore>(RevocationStore);
      const revoke = store.revoke;
      // The revocation is written in the transaction, then the call times out: all of it rolls back.
      store.revoke = async (command, transaction) => {
        await revoke.call(store, command, transaction);
        throw new StoreUnavailableException('timeout', 1);
      };
      try {
        await t.http
          .put(`/admin/users/${user.id}/roles`)
          .set(asAdmin())
          .send({ roles: ['admin'] })
          .expect(503);
      } finally {
        store.revoke = revoke;
      }
      expect(await t.meStatus(tokens.access_token)).toBe(200);
      await t.http.get('/admin/users').set(bearer(tokens.access_token)).expect(403);
      const users = await t.http
        .get('/admin/users')
        .query({ limit: 200 })
        .set(asAdmin())
        .expect(200);
      expect(users.body).toContainEqual(expect.objectContaining({ id: user.id, roles: ['user'] }));
      expect(await auditOf(t, user.id)).toEqual([]);
      await t.app.get(RevocationSync).refresh();
      expect(await t.meStatus(tokens.access_token)).toBe(200);
    });

    it('can make an admin', async () => {
      const { user, tokens } = await t.signUp();
      await t.http.get('/admin/users').set(bearer(tokens.access_token)).expect(403);
      await t.http
        .put(`/admin/users/${user.id}/roles`)
        .set(asAdmin())
        .send({ roles: ['admin'] })
        .expect(200);
      const promoted = await t.login(user.email, user.password);
      await t.http.get('/admin/users').set(bearer(promoted.access_token)).expect(200);
    });

    it.each([
      ['no roles field', {}],
      ['a string', { roles: 'admin' }],
      ['a non-string role', { roles: [1] }],
      ['an invalid role name', { roles: ['Admin!'] }],
      ['duplicates', { roles: ['user', 'user'] }],
    ])('answers 400 for %s', async (_, body) => {
      const user = await t.register();
      await t.http.put(`/admin/users/${user.id}/roles`).set(asAdmin()).send(body).expect(400);
    });

    it('answers 404 for an unknown id and 400 for a malformed one', async () => {
      await t.http
        .put(`/admin/users/${randomUUID()}/roles`)
        .set(asAdmin())
        .send({ roles: [] })
        .expect(404);
      await t.http.put('/admin/users/42/roles').set(asAdmin()).send({ roles: [] }).expect(400);
    });
  });

  describe('suspend and reinstate', () => {
    it('suspension kills tokens and refuses login; reinstatement allows login but not old tokens', async () => {
      const { user, tokens } = await t.signUp();
      await t.http.post(`/admin/users/${user.id}/suspend`).set(asAdmin()).expect(204);
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
      const refused = await t.http
        .post('/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(403);
      expect(refused.body.error).toBe('account_suspended');
      expect(await auditOf(t, user.id)).toContainEqual(
        expect.objectContaining({ kind: 'user', reason: 'account_suspended', actor: adminId }),
      );

      await t.http.post(`/admin/users/${user.id}/reinstate`).set(asAdmin()).expect(204);
      const back = await t.login(user.email, user.password);
      expect(await t.meStatus(back.access_token)).toBe(200);
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
    });

    it('answers 404 for unknown ids', async () => {
      await t.http.post(`/admin/users/${randomUUID()}/suspend`).set(asAdmin()).expect(404);
      await t.http.post(`/admin/users/${randomUUID()}/reinstate`).set(asAdmin()).expect(404);
      await t.http.post('/admin/users/not-a-uuid/suspend').set(asAdmin()).expect(400);
    });
  });

  it('records each account change once in the audit trail (the write and the revocation in one transaction)', async () => {
    const suspended = await t.signUp();
    await t.http.post(`/admin/users/${suspended.user.id}/suspend`).set(asAdmin()).expect(204);
    const deleted = await t.signUp();
    await t.http.delete(`/admin/users/${deleted.user.id}`).set(asAdmin()).expect(204);
    const changed = await t.signUp();
    await t.http
      .post('/me/password')
      .set(bearer(changed.tokens.access_token))
      .send({ current_password: changed.user.password, new_password: 'another-password-456' })
      .expect(200);
    for (const [id, reason] of [
      [suspended.user.id, 'account_suspended'],
      [deleted.user.id, 'account_deleted'],
      [changed.user.id, 'password_change'],
    ]) {
      const entries = (await auditOf(t, id)).filter((e) => e.kind === 'user');
      expect(entries).toEqual([expect.objectContaining({ reason, count: 1 })]);
    }
  });

  describe('DELETE /admin/users/:id', () => {
    it('kills tokens, refuses login with 401 and never reuses the id', async () => {
      const { user, tokens } = await t.signUp();
      await t.http.delete(`/admin/users/${user.id}`).set(asAdmin()).expect(204);
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
      const res = await t.http
        .post('/auth/login')
        .set(freshIp())
        .send({ email: user.email, password: user.password })
        .expect(401);
      expect(res.body.error).toBe('invalid_credentials');
      expect(await auditOf(t, user.id)).toContainEqual(
        expect.objectContaining({ kind: 'user', reason: 'account_deleted', actor: adminId }),
      );

      const list = await t.http.get('/admin/users').set(asAdmin()).expect(200);
      expect(list.body).toContainEqual(
        expect.objectContaining({ id: user.id, status: 'deleted', email: null }),
      );
      const again = await t.http
        .post('/auth/register')
        .send({ email: user.email, password: 'another-password' })
        .expect(201);
      expect(again.body.id).not.toBe(user.id);
      await t.http.delete(`/admin/users/${user.id}`).set(asAdmin()).expect(404);
      await t.http.post(`/admin/users/${user.id}/reinstate`).set(asAdmin()).expect(404);
    });
  });

  describe('POST /admin/revocations', () => {
    it('revokes one access token by jti', async () => {
      const { tokens } = await t.signUp();
      const jti = claimsOf(tokens.access_token).jti as string;
      const res = await t.http
        .post('/admin/revocations')
        .set(asAdmin())
        .send({ jti, reason: 'token leaked in a log' })
        .expect(201);
      expect(res.body).toEqual({ revoked: 1 });
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      const next = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      expect(await t.meStatus(next.body.access_token)).toBe(200);
    });

    it('ends one session by session_id', async () => {
      const user = await t.register();
      const target = await t.login(user.email, user.password);
      const other = await t.login(user.email, user.password);
      const res = await t.http
        .post('/admin/revocations')
        .set(asAdmin())
        .send({ session_id: claimsOf(target.access_token).sid, reason: 'lost phone' })
        .expect(201);
      expect(res.body).toEqual({ revoked: 1 });
      expect(await t.meStatus(target.access_token)).toBe(401);
      expect(await t.refreshStatus(target.refresh_token)).toBe(400);
      expect(await t.meStatus(other.access_token)).toBe(200);
    });

    it("ends a departing user's every session by user_id", async () => {
      const user = await t.register();
      const a = await t.login(user.email, user.password);
      const b = await t.login(user.email, user.password);
      const res = await t.http
        .post('/admin/revocations')
        .set(asAdmin())
        .send({ user_id: user.id, reason: 'left the company' })
        .expect(201);
      expect(res.body).toEqual({ revoked: 2 });
      for (const tokens of [a, b]) {
        expect(await t.meStatus(tokens.access_token)).toBe(401);
        expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
      }
    });

    it('ends every session seen from a flagged IP, and only those', async () => {
      const suspect = { 'X-Forwarded-For': '203.0.113.66' };
      const one = await t.signUp(suspect);
      const two = await t.signUp(suspect);
      const elsewhere = await t.signUp({ 'X-Forwarded-For': '203.0.113.67' });
      const res = await t.http
        .post('/admin/revocations')
        .set(asAdmin())
        .send({ ip: '203.0.113.66', reason: 'credential stuffing' })
        .expect(201);
      expect(res.body).toEqual({ revoked: 2 });
      expect(await t.meStatus(one.tokens.access_token)).toBe(401);
      expect(await t.meStatus(two.tokens.access_token)).toBe(401);
      expect(await t.refreshStatus(two.tokens.refresh_token)).toBe(400);
      expect(await t.meStatus(elsewhere.tokens.access_token)).toBe(200);
      expect(await auditOf(t, '203.0.113.66')).toContainEqual(
        expect.objectContaining({
          kind: 'ip',
          reason: 'credential stuffing',
          actor: adminId,
          count: 2,
        }),
      );
    });

    it.each([
      ['no target', { reason: 'x' }],
      ['two targets', { jti: 'a', session_id: 'b', reason: 'x' }],
      ['no reason', { jti: 'a' }],
      ['a reason over 64 characters', { jti: 'a', reason: 'x'.repeat(65) }],
      ['an invalid IP', { ip: '999.1.1.1', reason: 'x' }],
      ['a numeric user_id', { user_id: 5, reason: 'x' }],
      ['an unknown field', { sub: 'a', reason: 'x' }],
    ])('answers 400 for %s', async (_, body) => {
      await t.http.post('/admin/revocations').set(asAdmin()).send(body).expect(400);
    });
  });

  describe('GET /admin/revocations', () => {
    it('pages through the audit trail, newest first', async () => {
      const { tokens } = await t.signUp();
      const sid = claimsOf(tokens.access_token).sid as string;
      await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);

      const first = await t.http
        .get('/admin/revocations')
        .query({ limit: 2 })
        .set(asAdmin())
        .expect(200);
      expect(first.body.entries).toHaveLength(2);
      expect(first.body.entries[0]).toEqual({
        id: expect.any(Number),
        kind: 'session',
        target: sid,
        reason: 'logout',
        actor: expect.any(String),
        count: 1,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await t.http
        .get('/admin/revocations')
        .query({ limit: 2, before: first.body.next_cursor })
        .set(asAdmin())
        .expect(200);
      const ids = [...first.body.entries, ...second.body.entries].map((e: { id: number }) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(new Set(ids).size).toBe(ids.length);

      const all = await t.http
        .get('/admin/revocations')
        .query({ limit: 200 })
        .set(asAdmin())
        .expect(200);
      expect(all.body.next_cursor).toBeNull();
      const byKind = await t.http
        .get('/admin/revocations')
        .query({ kind: 'ip' })
        .set(asAdmin())
        .expect(200);
      expect(byKind.body.entries.every((e: { kind: string }) => e.kind === 'ip')).toBe(true);
    });

    it.each([{ limit: 0 }, { limit: 'ten' }, { before: -1 }, { kind: 'everything' }, { page: 2 }])(
      'answers 400 for %p',
      async (query) => {
        await t.http.get('/admin/revocations').query(query).set(asAdmin()).expect(400);
      },
    );
  });
});
