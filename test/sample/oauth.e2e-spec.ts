import { RevocationStore, RevocationSync } from 'nestjs-jwt-revocation';
import { bearer, claimsOf, sampleMatrix, SampleTestApp, Tokens } from './support/sample-app';

describe.each(sampleMatrix())('sample oauth, health and docs on %s with %s', (kind, adapter) => {
  let t: SampleTestApp;
  let admin: Tokens;

  beforeAll(async () => {
    t = await SampleTestApp.start(kind, adapter);
    admin = await t.loginAdmin();
  });
  afterAll(() => t?.close());

  /** As the app's own public client, `sample`, identifying itself with `client_id` (RFC 6749 §2.3). */
  const revoke = (form: Record<string, string>) =>
    t.http
      .post('/oauth/revoke')
      .type('form')
      .send('token' in form ? { client_id: 'sample', ...form } : form);
  const introspect = (form: Record<string, string>, token = admin.access_token) =>
    t.http.post('/oauth/introspect').set(bearer(token)).type('form').send(form);

  describe('POST /oauth/revoke', () => {
    it('ends the session of a refresh token', async () => {
      const { tokens } = await t.signUp();
      const res = await revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token' });
      expect(res.status).toBe(200);
      expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
      expect(await t.meStatus(tokens.access_token)).toBe(401);
    });

    it('revokes an access token by its jti and nothing more', async () => {
      const { tokens } = await t.signUp();
      await revoke({ token: tokens.access_token }).expect(200);
      expect(await t.meStatus(tokens.access_token)).toBe(401);
      const next = await t.http
        .post('/auth/refresh')
        .send({ refresh_token: tokens.refresh_token })
        .expect(200);
      expect(await t.meStatus(next.body.access_token)).toBe(200);
    });

    it('ignores a misleading hint', async () => {
      const { tokens } = await t.signUp();
      await revoke({ token: tokens.refresh_token, token_type_hint: 'access_token' }).expect(200);
      expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
    });

    it.each(['garbage', 'a.b.c', 'x'.repeat(9000)])(
      'answers 200 to an unknown token (%#)',
      async (token) => {
        await revoke({ token }).expect(200);
      },
    );

    it('answers 200 to a token revoked already', async () => {
      const { tokens } = await t.signUp();
      await revoke({ token: tokens.refresh_token }).expect(200);
      await revoke({ token: tokens.refresh_token }).expect(200);
    });

    it.each([
      ['no token', {}],
      ['an empty token', { token: '' }],
      ['only a hint', { token_type_hint: 'refresh_token' }],
    ])('answers 400 invalid_request for %s', async (_, form) => {
      const res = await revoke(form).expect(400);
      expect(res.body).toEqual({ error: 'invalid_request' });
    });

    it('answers 400 invalid_request to a request without a body', async () => {
      const res = await t.http.post('/oauth/revoke').expect(400);
      expect(res.body).toEqual({ error: 'invalid_request' });
    });

    it('answers 401 invalid_client to a request that names no client (RFC 7009 §2.1)', async () => {
      const { tokens } = await t.signUp();
      const res = await t.http
        .post('/oauth/revoke')
        .type('form')
        .send({ token: tokens.access_token })
        .expect(401);
      expect(res.body).toMatchObject({ error: 'invalid_client' });
      expect(await t.meStatus(tokens.access_token)).toBe(200);
    });
  });

  describe('POST /oauth/introspect', () => {
    it('describes an active access token', async () => {
      const { user, tokens } = await t.signUp();
      const claims = claimsOf(tokens.access_token);
      const res = await introspect({ token: tokens.access_token }).expect(200);
      expect(claims.client_id).toBe('sample');
      expect(res.body).toEqual({
        active: true,
        client_id: 'sample',
        sub: user.id,
        jti: claims.jti,
        sid: claims.sid,
        exp: claims.exp,
        iat: claims.iat,
        roles: ['user'],
        token_type: 'Bearer',
      });
    });

    it('describes the current refresh token, and not a rotated one', async () => {
      const { user, tokens } = await t.signUp();
      const res = await introspect({ token: tokens.refresh_token }).expect(200);
      expect(res.body).toMatchObject({
        active: true,
        client_id: 'sample',
        sub: user.id,
        roles: ['user'],
      });
      expect(res.body).not.toHaveProperty('token_type');
      await t.http.post('/auth/refresh').send({ refresh_token: tokens.refresh_token }).expect(200);
      expect((await introspect({ token: tokens.refresh_token }).expect(200)).body).toEqual({
        active: false,
      });
    });

    it('answers active: false for revoked, garbage and expired tokens', async () => {
      const revoked = await t.signUp();
      await t.http.post('/auth/logout').set(bearer(revoked.tokens.access_token)).expect(204);
      for (const token of [
        revoked.tokens.access_token,
        revoked.tokens.refresh_token,
        'garbage',
        'a.b.c',
      ]) {
        expect((await introspect({ token }).expect(200)).body).toEqual({ active: false });
      }
      const expiring = await t.signUp();
      await t.advance(16 * 60_000);
      admin = await t.loginAdmin();
      expect((await introspect({ token: expiring.tokens.access_token }).expect(200)).body).toEqual({
        active: false,
      });
    });

    it('needs an admin access token', async () => {
      const { tokens } = await t.signUp();
      const anonymous = await t.http
        .post('/oauth/introspect')
        .type('form')
        .send({ token: tokens.access_token });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      const user = await introspect({ token: tokens.access_token }, tokens.access_token);
      expect(user.status).toBe(403);
      expect(user.headers['www-authenticate']).toContain('insufficient_scope');
    });

    it('answers 400 invalid_request without a token', async () => {
      const res = await introspect({}).expect(400);
      expect(res.body).toEqual({ error: 'invalid_request' });
    });

    it('answers 406 to a request for an RFC 9701 JWT: an HS256 secret cannot sign one', async () => {
      const { tokens } = await t.signUp();
      const res = await introspect({ token: tokens.access_token })
        .set('Accept', 'application/token-introspection+jwt')
        .expect(406);
      expect(res.body.message).toMatch(/asymmetric signing key/);
      await introspect({ token: tokens.access_token })
        .set('Accept', 'application/token-introspection+jwt, application/json;q=0.5')
        .expect(200)
        .expect('Content-Type', /^application\/json/);
    });
  });

  describe('GET /.well-known/oauth-authorization-server', () => {
    it('is absent without an https JWT_ISSUER to identify the server (RFC 8414 §2)', async () => {
      await t.http.get('/.well-known/oauth-authorization-server').expect(404);
    });
  });

  describe('GET /metrics', () => {
    it('exports the library metrics in Prometheus format', async () => {
      const { tokens } = await t.signUp();
      await t.http.get('/me/sessions').set(bearer(tokens.access_token)).expect(200);
      await t.http.get('/me/sessions').set(bearer('garbage')).expect(401);
      await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
      const res = await t.http.get('/metrics').expect(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toMatch(/jwt_revocation_checks_total\{result="accepted"\} [1-9]/);
      expect(res.text).toMatch(/jwt_revocation_rejections_total\{reason="malformed"\} [1-9]/);
      expect(res.text).toMatch(/jwt_revocation_revocations_total\{reason="logout"\} [1-9]/);
      expect(res.text).toMatch(/jwt_revocation_cache_entries\{kind="session"\} [1-9]/);
      expect(res.text).toContain('jwt_revocation_cache_trusted 1');
    });
  });

  describe('GET /health', () => {
    it('answers 200 when the store answers and the cache is trusted', async () => {
      const res = await t.http.get('/health').expect(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        details: {
          revocation: { status: 'up', storeReachable: true, cacheLoaded: true, cacheTrusted: true },
        },
      });
    });

    it('answers 503 when the store does not answer', async () => {
      const ping = jest.spyOn(t.app.get<RevocationStore>(RevocationStore), 'ping');
      ping.mockRejectedValue(new Error('connection refused'));
      try {
        const res = await t.http.get('/health').expect(503);
        expect(res.body).toMatchObject({
          status: 'error',
          error: { revocation: { status: 'down', storeReachable: false } },
        });
      } finally {
        ping.mockRestore();
      }
    });

    it('answers 503 while the revocation cache is not trusted', async () => {
      const sync = t.app.get(RevocationSync);
      const status = jest.spyOn(sync, 'status');
      status.mockReturnValue({ ...sync.status(), trusted: false });
      try {
        const res = await t.http.get('/health').expect(503);
        expect(res.body).toMatchObject({
          status: 'error',
          error: { revocation: { status: 'down', cacheTrusted: false } },
        });
      } finally {
        status.mockRestore();
      }
      await t.http.get('/health').expect(200);
    });
  });

  describe('documentation and keys', () => {
    it('serves Swagger UI at /docs and an OpenAPI document of every route', async () => {
      const page = await t.http.get('/docs').expect(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.text).toContain('swagger-ui-bundle.js');
      const bundle = await t.http.get('/docs/swagger-ui-bundle.js').expect(200);
      expect(bundle.headers['content-type']).toContain('javascript');
      const spec = await t.http.get('/docs-json').expect(200);
      const paths = spec.body.paths as Record<string, Record<string, unknown>>;
      const routes = Object.entries(paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(routes).toEqual(
        expect.arrayContaining([
          'POST /auth/register',
          'POST /auth/login',
          'POST /auth/refresh',
          'POST /auth/logout',
          'POST /auth/logout-all',
          'GET /me',
          'POST /me/password',
          'GET /me/sessions',
          'DELETE /me/sessions/{id}',
          'GET /admin/users',
          'PUT /admin/users/{id}/roles',
          'POST /admin/users/{id}/suspend',
          'POST /admin/users/{id}/reinstate',
          'DELETE /admin/users/{id}',
          'POST /admin/revocations',
          'POST /admin/revocations/all',
          'GET /admin/revocations',
          'POST /oauth/revoke',
          'POST /oauth/introspect',
          'GET /.well-known/oauth-authorization-server',
          'GET /health',
          'GET /.well-known/jwks.json',
        ]),
      );
    });

    it('serves an empty JWK Set with an HS256 secret', async () => {
      const res = await t.http.get('/.well-known/jwks.json').expect(200);
      expect(res.body).toEqual({ keys: [] });
    });
  });
});
