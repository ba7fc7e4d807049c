import { createHmac } from 'node:crypto';
import { Test } from 'supertest';
import { bearer, sampleMatrix, SampleTestApp, Tokens } from './support/sample-app';

const PROTECTED: [method: string, path: string][] = [
  ['get', '/me'],
  ['post', '/me/password'],
  ['get', '/me/sessions'],
  ['delete', '/me/sessions/some-id'],
  ['post', '/auth/logout'],
  ['post', '/auth/logout-all'],
  ['get', '/admin/users'],
  ['put', '/admin/users/00000000-0000-4000-8000-000000000000/roles'],
  ['post', '/admin/revocations'],
  ['get', '/admin/revocations'],
  ['post', '/oauth/introspect'],
];

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(sampleMatrix())('sample robustness on %s with %s', (kind, adapter) => {
  let t: SampleTestApp;
  let user: Tokens;
  let admin: Tokens;

  beforeAll(async () => {
    t = await SampleTestApp.start(kind, adapter);
    user = (await t.signUp()).tokens;
    admin = await t.loginAdmin();
  });
  afterAll(() => t?.close());

  const call = (method: string, path: string): Test =>
    (t.http as unknown as Record<string, (path: string) => Test>)[method](path);

  describe('bearer tokens on every protected route', () => {
    it.each(PROTECTED)(
      '%s %s: no token -> 401 with a bare Bearer challenge',
      async (method, path) => {
        const res = await call(method, path);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
      },
    );

    it.each(PROTECTED)('%s %s: bad tokens -> 401 invalid_token', async (method, path) => {
      const [header, payload, signature] = user.access_token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const tampered = `${header}.${b64({ ...claims, roles: ['admin'] })}.${signature}`;
      const unsigned = `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`;
      const foreign = (() => {
        const head = b64({ alg: 'HS256', typ: 'at+jwt' });
        const body = b64(claims);
        const mac = createHmac('sha256', 'another-secret-that-is-32-bytes-long').update(
          `${head}.${body}`,
        );
        return `${head}.${body}.${mac.digest('base64url')}`;
      })();
      const candidates = [
        'garbage',
        'a.b.c',
        'Bearer nested',
        tampered,
        unsigned,
        foreign,
        user.refresh_token,
        'x'.repeat(9000),
      ];
      for (const token of candidates) {
        const res = await call(method, path).set('Authorization', `Bearer ${token}`);
        expect([res.status, token.slice(0, 40)]).toEqual([401, token.slice(0, 40)]);
        expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      }
    });

    it.each(PROTECTED)(
      '%s %s: Bearer with no token -> 400 invalid_request (RFC 6750 §3.1)',
      async (method, path) => {
        for (const value of ['Bearer', 'Bearer ', 'bearer   ']) {
          const res = await call(method, path).set('Authorization', value);
          expect(res.status).toBe(400);
          expect(res.body.error).toBe('invalid_request');
          expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
        }
      },
    );

    it.each(PROTECTED)(
      '%s %s: two Authorization headers -> 400 invalid_request, whichever comes first',
      async (method, path) => {
        const auth = path.startsWith('/admin') || path.includes('introspect') ? admin : user;
        const pairs = [
          [`Bearer ${auth.access_token}`, 'Basic dXNlcjpwYXNz'],
          [`Bearer ${auth.access_token}`, 'Bearer garbage'],
          ['Bearer garbage', `Bearer ${auth.access_token}`],
          [`Bearer ${auth.access_token}`, `Bearer ${auth.access_token}`],
        ];
        for (const values of pairs) {
          const res = await call(method, path).set('Authorization', values as unknown as string);
          expect([values[1].slice(0, 20), res.status]).toEqual([values[1].slice(0, 20), 400]);
          expect(res.body.error).toBe('invalid_request');
        }
      },
    );

    it('refuses expired and revoked access tokens with invalid_token', async () => {
      const { tokens } = await t.signUp();
      await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
      const revoked = await t.http.get('/me').set(bearer(tokens.access_token)).expect(401);
      expect(revoked.headers['www-authenticate']).toContain('error="invalid_token"');

      const expiring = await t.signUp();
      await t.advance(16 * 60_000);
      const expired = await t.http.get('/me').set(bearer(expiring.tokens.access_token)).expect(401);
      expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');
      user = (await t.signUp()).tokens;
      admin = await t.loginAdmin();
    });
  });

  describe('bad input never yields a 5xx', () => {
    const bodies: [string, string | object][] = [
      ['malformed JSON', '{"email": '],
      ['a JSON string', '"hello"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['a JSON array', '[1, 2, 3]'],
      ['nested objects', { email: { $gt: '' }, password: { length: 100 } }],
      [
        'a prototype key',
        '{"__proto__": {"polluted": true}, "email": "not-an-email", "password": 1}',
      ],
      ['wrong types', { email: true, password: 12, roles: 'admin', refresh_token: [] }],
      ['huge strings', { email: `${'a'.repeat(5000)}@example.test`, password: 'p'.repeat(50_000) }],
      [
        'unicode',
        { email: '\u0000@\uffff.test', password: '\ud83d\ude00'.repeat(20), reason: '\u202e' },
      ],
    ];

    const routes: [string, string][] = [
      ['post', '/auth/register'],
      ['post', '/auth/login'],
      ['post', '/auth/refresh'],
      ['post', '/me/password'],
      ['put', '/admin/users/00000000-0000-4000-8000-000000000000/roles'],
      ['post', '/admin/revocations'],
      ['post', '/oauth/revoke'],
      ['post', '/oauth/introspect'],
    ];

    it.each(routes)('%s %s', async (method, path) => {
      const auth = path.startsWith('/admin') || path.includes('introspect') ? admin : user;
      for (const [name, body] of bodies) {
        const req = call(method, path)
          .set(bearer(auth.access_token))
          .set('X-Forwarded-For', '192.0.2.200');
        const res =
          typeof body === 'string'
            ? await req.set('Content-Type', 'application/json').send(body)
            : await req.send(body);
        expect([name, res.status]).toEqual([name, expect.any(Number)]);
        expect([name, res.status >= 400 && res.status < 500]).toEqual([name, true]);
        expect(res.text).not.toMatch(/\n\s+at /);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const oversized = await call(method, path)
        .set(bearer(auth.access_token))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ padding: 'x'.repeat(200_000) }));
      expect(oversized.status).toBe(413);
      const form = await call(method, path)
        .set(bearer(auth.access_token))
        .type('form')
        .send('a=1&a=2&token[x]=y');
      expect(form.status).toBeGreaterThanOrEqual(400);
      expect(form.status).toBeLessThan(500);
      const text = await call(method, path)
        .set(bearer(auth.access_token))
        .set('Content-Type', 'text/plain')
        .send('just text');
      expect(text.status).toBeGreaterThanOrEqual(400);
      expect(text.status).toBeLessThan(500);
    });

    it.each([
      ['post', '/auth/login'],
      ['post', '/auth/refresh'],
      ['post', '/auth/register'],
    ])('%s %s: deeply nested JSON -> 400, never a 5xx', async (method, path) => {
      for (const depth of [33, 1_000, 2_000, 10_000]) {
        for (const body of [
          `{"email":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
          `{"refresh_token":${'['.repeat(depth)}${']'.repeat(depth)}}`,
          `${'['.repeat(depth)}${']'.repeat(depth)}`,
        ]) {
          const res = await call(method, path)
            .set('Content-Type', 'application/json')
            .set('X-Forwarded-For', '192.0.2.201')
            .send(body);
          expect([depth, res.status]).toEqual([depth, 400]);
          expect(res.body.message).toMatch(/nested deeper than 32 levels/);
        }
      }
      const shallow = await call(method, path)
        .set('Content-Type', 'application/json')
        .send({ email: { a: { b: 1 } } });
      expect(shallow.status).toBe(400);
      expect(JSON.stringify(shallow.body)).not.toMatch(/nested/);
    });

    it.each([
      ['get', '/admin/users?limit=-1&offset=abc'],
      ['get', '/admin/revocations?limit=1e400&before=%00'],
      ['get', '/admin/revocations?kind[]=ip'],
      ['post', '/admin/users/%E0%A4%A/suspend'],
      ['post', '/admin/users/../../etc/passwd/suspend'],
      ['delete', `/admin/users/${'9'.repeat(500)}`],
      ['delete', '/me/sessions/%F0%9F%98%80'],
      ['get', '/nowhere'],
    ])('%s %s', async (method, path) => {
      const res = await call(method, path).set(bearer(admin.access_token));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });

    it.each([
      ['an array Authorization value', { Authorization: 'Bearer a, Bearer b' }],
      ['a lowercase scheme', { Authorization: 'bearer garbage' }],
      ['another scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
      ['a huge header', { Authorization: `Bearer ${'y'.repeat(12_000)}` }],
    ])('handles %s', async (_, headers) => {
      const res = await t.http.get('/me').set(headers);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });
  });
});
