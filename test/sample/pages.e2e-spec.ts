import { SESSION_COOKIE } from '../../apps/sample/src/pages/session.cookie';
import {
  ADMIN,
  bearer,
  claimsOf,
  freshIp,
  sampleMatrix,
  SampleTestApp,
} from './support/sample-app';

/** What the pages send: their own origin and the CSRF header. */
const PAGE = {
  Host: 'localhost:3000',
  Origin: 'http://localhost:3000',
  'X-Requested-With': 'fetch',
};

function cookieOf(setCookie: string | string[] | undefined): string {
  const header = ([] as string[]).concat(setCookie ?? []).find((c) => c.startsWith(SESSION_COOKIE));
  if (!header) throw new Error(`no ${SESSION_COOKIE} cookie set`);
  return header;
}

const valueOf = (header: string) => header.split(';')[0].slice(SESSION_COOKIE.length + 1);

describe.each(sampleMatrix())(
  'sample pages and browser sessions on %s with %s',
  (kind, adapter) => {
    let t: SampleTestApp;

    beforeAll(async () => {
      t = await SampleTestApp.start(kind, adapter);
    });
    afterAll(() => t?.close());

    async function browserSignIn(email: string, password: string, headers = {}) {
      const res = await t.http
        .post('/auth/session')
        .set({ ...PAGE, ...headers })
        .send({ email, password })
        .expect(200);
      return { body: res.body, cookie: cookieOf(res.headers['set-cookie']) };
    }

    const refresh = (cookie: string | null, headers: Record<string, string> = PAGE) => {
      const req = t.http.post('/auth/session/refresh').set(headers);
      return cookie === null ? req : req.set('Cookie', `${SESSION_COOKIE}=${cookie}`);
    };

    describe('pages', () => {
      it.each(['/account', '/admin'])('%s is HTML under a strict CSP', async (path) => {
        const res = await t.http.get(path).expect(200);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        const csp = res.headers['content-security-policy'];
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-inline');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.text).not.toMatch(/<script>|\sstyle=|\son[a-z]+=/);
      });

      it('leaves Swagger UI and the JSON API without the pages’ CSP', async () => {
        const docs = await t.http.get('/docs/');
        expect(docs.status).toBeLessThan(400);
        expect(docs.headers['content-security-policy']).toBeUndefined();
        const api = await t.http.get('/me');
        expect(api.status).toBe(401);
        expect(api.headers['content-security-policy']).toBeUndefined();
      });

      it('answers 404 for an unknown asset', async () => {
        await t.http.get('/assets/..%2Fmain.js').expect(404);
        await t.http.get('/assets/nope.js').expect(404);
      });
    });

    describe('POST /auth/session', () => {
      it('sets the refresh token as a __Host- cookie and returns only the access token', async () => {
        const user = await t.register();
        const { body, cookie } = await browserSignIn(user.email, user.password);
        expect(body).toEqual({
          access_token: expect.any(String),
          token_type: 'Bearer',
          expires_in: expect.any(Number),
        });
        expect(cookie).toMatch(/; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/);
        expect(claimsOf(valueOf(cookie)).sid).toBe(claimsOf(body.access_token).sid);
        expect(await t.meStatus(body.access_token)).toBe(200);
      });

      it.each<[string, Record<string, string>]>([
        ['no Origin', { Host: 'localhost:3000', 'X-Requested-With': 'fetch' }],
        ['another origin', { ...PAGE, Origin: 'http://127.0.0.1:4000' }],
        ['another scheme', { ...PAGE, Origin: 'https://localhost:3000' }],
        ['no X-Requested-With', { Host: 'localhost:3000', Origin: 'http://localhost:3000' }],
        ['Sec-Fetch-Site: cross-site', { ...PAGE, 'Sec-Fetch-Site': 'cross-site' }],
      ])('refuses a request with %s (403 cross_site_request)', async (_, headers) => {
        const user = await t.register();
        const res = await t.http
          .post('/auth/session')
          .set(headers)
          .send({ email: user.email, password: user.password })
          .expect(403);
        expect(res.body.error).toBe('cross_site_request');
        expect(res.headers['set-cookie']).toBeUndefined();
      });

      it('needs HTTPS off localhost; behind a TLS proxy it works', async () => {
        const user = await t.register();
        const plain = {
          Host: 'app.example',
          Origin: 'http://app.example',
          'X-Requested-With': 'fetch',
        };
        const refused = await t.http
          .post('/auth/session')
          .set(plain)
          .send({ email: user.email, password: user.password })
          .expect(403);
        expect(refused.body.error).toBe('https_required');
        await browserSignIn(user.email, user.password, {
          Host: 'app.example',
          Origin: 'https://app.example',
          'X-Forwarded-Proto': 'https',
        });
      });

      it('answers 401 to a wrong password and 400 to a bad body', async () => {
        const user = await t.register();
        const wrong = await t.http
          .post('/auth/session')
          .set({ ...PAGE, ...freshIp() })
          .send({ email: user.email, password: 'not-the-password' });
        expect(wrong.status).toBe(401);
        await t.http.post('/auth/session').set(PAGE).send({ email: 5 }).expect(400);
      });
    });

    describe('POST /auth/session/refresh', () => {
      it('rotates the cookie; the old one then ends the session as reused', async () => {
        const user = await t.register();
        const { cookie } = await browserSignIn(user.email, user.password);
        const res = await refresh(valueOf(cookie)).expect(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const next = cookieOf(res.headers['set-cookie']);
        expect(valueOf(next)).not.toBe(valueOf(cookie));
        expect(res.body.refresh_token).toBeUndefined();
      });

      it('refuses a cross-site request even with the cookie', async () => {
        const user = await t.register();
        const { cookie } = await browserSignIn(user.email, user.password);
        const res = await refresh(valueOf(cookie), {
          Host: 'localhost:3000',
          Origin: 'http://evil.example',
        }).expect(403);
        expect(res.headers['set-cookie']).toBeUndefined();
        await refresh(valueOf(cookie)).expect(200);
      });

      it('says why the session ended and clears the cookie', async () => {
        const a = await t.register();
        const signedOut = await browserSignIn(a.email, a.password);
        const other = await browserSignIn(a.email, a.password);
        await t.http
          .delete(`/me/sessions/${claimsOf(signedOut.body.access_token).sid}`)
          .set(bearer(other.body.access_token))
          .expect(204);
        const res = await refresh(valueOf(signedOut.cookie)).expect(400);
        expect(res.body).toMatchObject({ error: 'invalid_grant', reason: 'logout' });
        expect(cookieOf(res.headers['set-cookie'])).toMatch(
          new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`),
        );

        await t.http
          .post('/me/password')
          .set(bearer(other.body.access_token))
          .send({ current_password: a.password, new_password: 'another-password-789' })
          .expect(200);
        expect((await refresh(valueOf(other.cookie)).expect(400)).body.reason).toBe(
          'password_change',
        );

        const b = await t.register();
        const suspended = await browserSignIn(b.email, b.password);
        const admin = await t.loginAdmin();
        await t.http
          .post(`/admin/users/${b.id}/suspend`)
          .set(bearer(admin.access_token))
          .expect(204);
        expect((await refresh(valueOf(suspended.cookie)).expect(400)).body.reason).toBe(
          'account_suspended',
        );
      });

      it('answers 400 no_session without a cookie, and to a forged one', async () => {
        expect((await refresh(null).expect(400)).body.reason).toBe('no_session');
        expect((await refresh('not.a.token').expect(400)).body.reason).toBe('revoked');
      });
    });

    describe('POST /auth/session/logout and /auth/session/password', () => {
      it('logout ends the session and clears the cookie', async () => {
        const user = await t.register();
        const { body, cookie } = await browserSignIn(user.email, user.password);
        const res = await t.http
          .post('/auth/session/logout')
          .set(PAGE)
          .set('Cookie', `${SESSION_COOKIE}=${valueOf(cookie)}`)
          .expect(204);
        expect(cookieOf(res.headers['set-cookie'])).toContain('Max-Age=0');
        expect(await t.guardStatus(body.access_token)).toBe(401);
        await t.http.post('/auth/session/logout').set(PAGE).expect(204);
        await t.http.post('/auth/session/logout').expect(403);
      });

      it('password change puts the new session in the cookie; 403 on a wrong current password', async () => {
        const user = await t.register();
        const { body, cookie } = await browserSignIn(user.email, user.password);
        const wrong = await t.http
          .post('/auth/session/password')
          .set({ ...PAGE, ...bearer(body.access_token), ...freshIp() })
          .send({ current_password: 'wrong-password', new_password: 'another-password-1' });
        expect(wrong.status).toBe(403);
        const res = await t.http
          .post('/auth/session/password')
          .set({ ...PAGE, ...bearer(body.access_token) })
          .send({ current_password: user.password, new_password: 'another-password-1' })
          .expect(200);
        expect(await t.guardStatus(body.access_token)).toBe(401);
        expect(await t.guardStatus(res.body.access_token)).toBe(200);
        await refresh(valueOf(cookieOf(res.headers['set-cookie']))).expect(200);
        await refresh(valueOf(cookie)).expect(400);
        await t.http
          .post('/auth/session/password')
          .set(bearer(res.body.access_token))
          .send({ current_password: 'another-password-1', new_password: 'x-password-22' })
          .expect(403);
      });
    });

    describe('POST /me/sessions/sign-out-others', () => {
      it('ends every other session and keeps the caller’s', async () => {
        const user = await t.register();
        const first = await t.login(user.email, user.password);
        const second = await t.login(user.email, user.password);
        const me = await t.login(user.email, user.password);
        const res = await t.http
          .post('/me/sessions/sign-out-others')
          .set(bearer(me.access_token))
          .expect(200);
        expect(res.body).toEqual({ revoked: 2 });
        expect(await t.guardStatus(first.access_token)).toBe(401);
        expect(await t.guardStatus(second.access_token)).toBe(401);
        expect(await t.guardStatus(me.access_token)).toBe(200);
      });
    });

    describe('admin additions', () => {
      let admin: string;
      beforeAll(async () => {
        admin = (await t.loginAdmin()).access_token;
      });

      it('GET /admin/users searches by email and status; 400 on a bad status', async () => {
        const user = await t.register();
        const res = await t.http
          .get('/admin/users')
          .query({ email: user.email.toUpperCase().slice(0, 12) })
          .set(bearer(admin))
          .expect(200);
        expect(res.body.map((u: { id: string }) => u.id)).toContain(user.id);
        const none = await t.http
          .get('/admin/users')
          .query({ email: '%' })
          .set(bearer(admin))
          .expect(200);
        expect(none.body).toEqual([]);
        await t.http.post(`/admin/users/${user.id}/suspend`).set(bearer(admin)).expect(204);
        const suspended = await t.http
          .get('/admin/users')
          .query({ status: 'suspended' })
          .set(bearer(admin))
          .expect(200);
        expect(suspended.body.map((u: { id: string }) => u.id)).toContain(user.id);
        expect(suspended.body.every((u: { status: string }) => u.status === 'suspended')).toBe(
          true,
        );
        await t.http.get('/admin/users').query({ status: 'gone' }).set(bearer(admin)).expect(400);
      });

      it('GET /admin/users/:id/sessions lists a user’s sessions; 400 on a bad id, 403 for a non-admin', async () => {
        const { user, tokens } = await t.signUp({
          'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
        });
        const res = await t.http
          .get(`/admin/users/${user.id}/sessions`)
          .set(bearer(admin))
          .expect(200);
        expect(res.body).toEqual([
          expect.objectContaining({
            id: claimsOf(tokens.access_token).sid,
            current: false,
            os: 'Linux',
          }),
        ]);
        await t.http.get('/admin/users/nope/sessions').set(bearer(admin)).expect(400);
        const denied = await t.http
          .get(`/admin/users/${user.id}/sessions`)
          .set(bearer(tokens.access_token))
          .expect(403);
        expect(denied.headers['www-authenticate']).toContain('insufficient_scope');
      });

      it('GET /admin/revocations filters by user, reason, actor and time', async () => {
        const { user, tokens } = await t.signUp();
        const before = new Date(Date.now() - 60_000).toISOString();
        await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
        await t.http.post(`/admin/users/${user.id}/suspend`).set(bearer(admin)).expect(204);
        const list = async (query: Record<string, string>) =>
          (
            await t.http
              .get('/admin/revocations')
              .query({ limit: 50, ...query })
              .set(bearer(admin))
              .expect(200)
          ).body.entries as { reason: string; target: string; actor: string }[];

        const byUser = await list({ user: user.email });
        // One entry per account change: the suspension and its revocation commit together.
        expect(byUser.map((e) => e.reason)).toEqual(['account_suspended', 'logout']);
        expect(await list({ user: user.id, reason: 'logout' })).toEqual([
          expect.objectContaining({ target: claimsOf(tokens.access_token).sid }),
        ]);
        const byAdmin = await list({ actor: ADMIN.email, user: user.id });
        expect(byAdmin.map((e) => e.reason)).toEqual(['account_suspended']);
        expect(await list({ user: user.id, since: before, until: before })).toEqual([]);
        expect(await list({ user: 'nobody@example.test' })).toEqual([]);
        const paged = await t.http
          .get('/admin/revocations')
          .query({ user: user.id, limit: 1 })
          .set(bearer(admin))
          .expect(200);
        expect(paged.body.entries).toHaveLength(1);
        const rest = await list({ user: user.id, before: paged.body.next_cursor });
        expect(rest.map((e) => e.reason)).toEqual(['logout']);
        await t.http
          .get('/admin/revocations')
          .query({ since: 'yesterday' })
          .set(bearer(admin))
          .expect(400);
      });

      it('GET /admin/revocations/events is admin-only (the console test follows the stream)', async () => {
        const { tokens } = await t.signUp();
        await t.http.get('/admin/revocations/events').set(bearer(tokens.access_token)).expect(403);
        await t.http.get('/admin/revocations/events').expect(401);
      });
    });
  },
);
