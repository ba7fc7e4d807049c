import fc from 'fast-check';
import { Test } from 'supertest';
import { bearer, sampleMatrix, SampleTestApp, Tokens } from './support/sample-app';

const ROUTES = [
  '/auth/register',
  '/auth/login',
  '/auth/refresh',
  '/auth/logout',
  '/auth/logout-all',
  '/auth/session',
  '/auth/session/refresh',
  '/auth/session/logout',
  '/auth/session/password',
  '/me',
  '/me/password',
  '/me/sessions',
  '/me/sessions/some-id',
  '/me/sessions/sign-out-others',
  '/admin/users',
  '/admin/users/00000000-0000-4000-8000-000000000000/roles',
  '/admin/users/00000000-0000-4000-8000-000000000000/suspend',
  '/admin/users/00000000-0000-4000-8000-000000000000/sessions',
  '/admin/revocations',
  '/admin/revocations?user=a@b.c&reason=x&actor=system&since=2026-01-01T00:00:00Z',
  '/oauth/revoke',
  '/oauth/introspect',
  '/health',
  '/metrics',
  '/.well-known/jwks.json',
  '/account',
  '/assets/account.js',
  '/nowhere',
];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  '',
];

/** What an HTTP client lets through in a header value (visible ASCII and spaces). */
const printable = (value: string) => value.replace(/[^\x20-\x7e]/g, '');

/** Property-based fuzzing of the sample's HTTP surface: no input may produce a 5xx. */
describe.each(sampleMatrix().filter(([kind]) => kind === 'sqlite'))(
  'sample HTTP fuzzing on %s with %s',
  (kind, adapter) => {
    let t: SampleTestApp;
    let victim: Tokens;
    let admin: Tokens;

    beforeAll(async () => {
      t = await SampleTestApp.start(kind, adapter);
      victim = (await t.signUp()).tokens;
      admin = await t.loginAdmin();
    });
    afterAll(() => t?.close());

    const call = (method: string, path: string): Test =>
      (t.http as unknown as Record<string, (path: string) => Test>)[method](path);

    /** A bearer token close to a real one: truncated, with a changed character, a new segment... */
    const mutatedToken = (token: string) =>
      fc.oneof(
        fc
          .tuple(fc.nat(token.length - 1), fc.constantFrom(...'AZaz09-_.=+/ '))
          .map(([at, ch]) => token.slice(0, at) + ch + token.slice(at + 1))
          .filter((t2) => t2 !== token),
        fc.nat(token.length - 1).map((n) => token.slice(0, n)),
        fc.string().map((extra) => `${token}.${extra}`),
        fc.string(),
      );

    it('answers every random request with a non-5xx status', async () => {
      const body = fc.oneof(
        fc.json(),
        fc.string(),
        fc.object(),
        fc.record({
          email: fc.oneof(fc.emailAddress(), fc.anything()),
          password: fc.anything(),
          refresh_token: fc.anything(),
          token: fc.anything(),
        }),
      );
      const authorization = fc.oneof(
        fc.constant(undefined),
        fc.string(),
        mutatedToken(victim.access_token).map((tk) => `Bearer ${tk}`),
        fc.constantFrom(`Bearer ${admin.access_token}`, 'Bearer', 'Basic dXNlcjpwYXNz'),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...METHODS),
          fc.constantFrom(...ROUTES),
          fc.constantFrom(...CONTENT_TYPES),
          authorization,
          body,
          fc.dictionary(
            fc.constantFrom('X-Forwarded-For', 'User-Agent', 'Accept', 'Origin', 'Cookie'),
            fc.string({ unit: 'binary-ascii', maxLength: 40 }).map(printable),
          ),
          async (method, path, type, auth, payload, headers) => {
            let req = call(method, path).set(headers);
            if (auth !== undefined) req = req.set('Authorization', printable(auth));
            if (type) req = req.set('Content-Type', type);
            const res = await (method === 'get'
              ? req
              : req.send(typeof payload === 'string' ? payload : JSON.stringify(payload)));
            expect([method, path, res.status < 500]).toEqual([method, path, true]);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('never runs a handler with side effects for a bad token', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/auth/logout', '/auth/logout-all', '/me/password'),
          mutatedToken(victim.access_token),
          async (path, token) => {
            const res = await t.http
              .post(path)
              .set('Authorization', `Bearer ${printable(token)}`)
              .send({ current_password: 'password-123', new_password: 'password-456' });
            expect([401, 400]).toContain(res.status);
          },
        ),
        { numRuns: 60 },
      );
      expect(await t.meStatus(victim.access_token)).toBe(200);
      const sessions = await t.http
        .get('/me/sessions')
        .set(bearer(victim.access_token))
        .expect(200);
      expect(sessions.body).toHaveLength(1);
    });
  },
);
