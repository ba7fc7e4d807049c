import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { hashClientSecret, SessionService } from 'nestjs-jwt-revocation';
import * as oauth from 'oauth4webapi';
import { bearer, claimsOf, sampleMatrix, SampleTestApp, Tokens } from './support/sample-app';

/** The issuer the clients know; requests to it reach the app on its random port. */
const ISSUER = 'https://as.example.test';
const BFF = { client_id: 'sample-bff', secret: randomBytes(32).toString('base64url') };
const ORDERS = { client_id: 'orders-api', secret: 'orders: a+secret/with%reserved é' };
const MOBILE = 'mobile';

/**
 * RFC 7009, RFC 7662, RFC 8414 and RFC 9701 as a third-party client sees them: oauth4webapi,
 * unmodified, against the sample listening on a real port, with confidential clients.
 */
describe.each(sampleMatrix().filter(([kind]) => kind === 'sqlite'))(
  'sample OAuth clients on %s with %s',
  (kind, adapter) => {
    let t: SampleTestApp;
    let keyDir: string;
    let options: { [oauth.customFetch]: typeof fetch };
    let as: oauth.AuthorizationServer;

    beforeAll(async () => {
      keyDir = mkdtempSync(join(tmpdir(), 'oauth-clients-'));
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(join(keyDir, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
      t = await SampleTestApp.start(kind, adapter, {
        JWT_SECRET: '',
        JWT_PRIVATE_KEY_FILE: join(keyDir, 'key.pem'),
        JWT_ISSUER: ISSUER,
        OAUTH_CLIENT_ID: BFF.client_id,
        OAUTH_CLIENT_SECRET_HASH: await hashClientSecret(BFF.secret, 'sha256'),
        OAUTH_CLIENTS: JSON.stringify([
          {
            clientId: ORDERS.client_id,
            secretHash: await hashClientSecret(ORDERS.secret),
            introspection: true,
            revocation: false,
          },
          { clientId: MOBILE },
        ]),
      });
      await t.app.listen(0, '127.0.0.1');
      const { port } = t.app.getHttpServer().address() as AddressInfo;
      const origin = `http://127.0.0.1:${port}`;
      options = {
        [oauth.customFetch]: (url, init) =>
          fetch(String(url).replace(ISSUER, origin), init as RequestInit),
      };
      as = await oauth.processDiscoveryResponse(
        new URL(ISSUER),
        await oauth.discoveryRequest(new URL(ISSUER), { algorithm: 'oauth2', ...options }),
      );
    });
    afterAll(async () => {
      await t?.close();
      rmSync(keyDir, { recursive: true, force: true });
    });

    const bff: oauth.Client = { client_id: BFF.client_id };
    const orders: oauth.Client = { client_id: ORDERS.client_id };

    /** Tokens issued to the `mobile` public client, as an app would through `SessionService`. */
    async function mobileTokens(): Promise<Tokens> {
      const { user } = await t.signUp();
      const pair = await t.app.get(SessionService).issue(user.id, {
        roles: ['user'],
        clientId: MOBILE,
      });
      return {
        access_token: pair.accessToken,
        refresh_token: pair.refreshToken,
        token_type: 'Bearer',
        expires_in: pair.expiresIn,
      };
    }

    async function rejection(promise: Promise<unknown>): Promise<unknown> {
      try {
        await promise;
      } catch (error) {
        return error;
      }
      throw new Error('expected a rejection');
    }

    describe('RFC 8414 metadata', () => {
      it('is discovered by oauth4webapi and names only what exists', () => {
        expect(as).toEqual({
          issuer: ISSUER,
          jwks_uri: `${ISSUER}/.well-known/jwks.json`,
          response_types_supported: [],
          grant_types_supported: [],
          revocation_endpoint: `${ISSUER}/oauth/revoke`,
          revocation_endpoint_auth_methods_supported: [
            'client_secret_basic',
            'client_secret_post',
            'none',
          ],
          introspection_endpoint: `${ISSUER}/oauth/introspect`,
          introspection_endpoint_auth_methods_supported: [
            'client_secret_basic',
            'client_secret_post',
          ],
          introspection_signing_alg_values_supported: ['ES256'],
          service_documentation: `${ISSUER}/docs`,
        });
      });

      it('is served as JSON', async () => {
        const res = await t.http.get('/.well-known/oauth-authorization-server').expect(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
      });
    });

    describe('RFC 7009 revocation with oauth4webapi', () => {
      it('revokes an access token with client_secret_basic', async () => {
        const { tokens } = await t.signUp();
        expect(claimsOf(tokens.access_token).client_id).toBe(BFF.client_id);
        const response = await oauth.revocationRequest(
          as,
          bff,
          oauth.ClientSecretBasic(BFF.secret),
          tokens.access_token,
          options,
        );
        await oauth.processRevocationResponse(response);
        expect(await t.meStatus(tokens.access_token)).toBe(401);
      });

      it('ends a session by its refresh token with client_secret_post', async () => {
        const { tokens } = await t.signUp();
        const response = await oauth.revocationRequest(
          as,
          bff,
          oauth.ClientSecretPost(BFF.secret),
          tokens.refresh_token,
          { ...options, additionalParameters: { token_type_hint: 'refresh_token' } },
        );
        await oauth.processRevocationResponse(response);
        expect(await t.refreshStatus(tokens.refresh_token)).toBe(400);
        expect(await t.meStatus(tokens.access_token)).toBe(401);
      });

      it('answers a wrong secret with 401 invalid_client and a Basic challenge', async () => {
        const { tokens } = await t.signUp();
        const basic = await rejection(
          oauth
            .revocationRequest(
              as,
              bff,
              oauth.ClientSecretBasic('wrong'),
              tokens.access_token,
              options,
            )
            .then((response) => oauth.processRevocationResponse(response)),
        );
        expect(basic).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
        const challenge = basic as oauth.WWWAuthenticateChallengeError;
        expect(challenge.status).toBe(401);
        expect(challenge.cause[0].scheme).toBe('basic');
        expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
        const post = await rejection(
          oauth
            .revocationRequest(
              as,
              bff,
              oauth.ClientSecretPost('wrong'),
              tokens.access_token,
              options,
            )
            .then((response) => oauth.processRevocationResponse(response)),
        );
        expect(post).toBeInstanceOf(oauth.ResponseBodyError);
        expect(post).toMatchObject({ status: 401, error: 'invalid_client' });
        expect(await t.meStatus(tokens.access_token)).toBe(200);
      });

      it('answers an unknown client with 401 invalid_client', async () => {
        const { tokens } = await t.signUp();
        const error = await rejection(
          oauth
            .revocationRequest(
              as,
              { client_id: 'nobody' },
              oauth.ClientSecretPost(BFF.secret),
              tokens.access_token,
              options,
            )
            .then((response) => oauth.processRevocationResponse(response)),
        );
        expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
        expect(await t.meStatus(tokens.access_token)).toBe(200);
      });
    });

    describe('RFC 7662 introspection with oauth4webapi', () => {
      it('describes a token to a resource server (form-urlencoded Basic credentials)', async () => {
        const { user, tokens } = await t.signUp();
        const claims = claimsOf(tokens.access_token);
        const response = await oauth.introspectionRequest(
          as,
          orders,
          oauth.ClientSecretBasic(ORDERS.secret),
          tokens.access_token,
          options,
        );
        expect(await oauth.processIntrospectionResponse(as, orders, response)).toEqual({
          active: true,
          client_id: BFF.client_id,
          token_type: 'Bearer',
          sub: user.id,
          jti: claims.jti,
          sid: claims.sid,
          exp: claims.exp,
          iat: claims.iat,
          roles: ['user'],
          iss: ISSUER,
        });
      });

      it('answers RFC 9701 signed JWTs that oauth4webapi and jose verify', async () => {
        const { tokens } = await t.signUp();
        const response = await oauth.introspectionRequest(
          as,
          orders,
          oauth.ClientSecretPost(ORDERS.secret),
          tokens.access_token,
          { ...options, requestJwtResponse: true },
        );
        expect(response.headers.get('content-type')).toBe('application/token-introspection+jwt');
        const jwt = await response.clone().text();
        const result = await oauth.processIntrospectionResponse(as, orders, response);
        await oauth.validateApplicationLevelSignature(as, response, options);
        expect(result).toMatchObject({
          active: true,
          token_type: 'Bearer',
          client_id: BFF.client_id,
        });

        const jwks = (await t.http.get('/.well-known/jwks.json').expect(200)).body;
        const verified = await jwtVerify(jwt, createLocalJWKSet(jwks), {
          issuer: ISSUER,
          audience: ORDERS.client_id,
          typ: 'token-introspection+jwt',
          currentDate: new Date(t.clock.now()),
        });
        expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
        expect(verified.payload.token_introspection).toEqual(result);

        await t.http.post('/auth/logout').set(bearer(tokens.access_token)).expect(204);
        const inactive = await oauth.introspectionRequest(
          as,
          orders,
          oauth.ClientSecretBasic(ORDERS.secret),
          tokens.access_token,
          { ...options, requestJwtResponse: true },
        );
        expect(await oauth.processIntrospectionResponse(as, orders, inactive)).toEqual({
          active: false,
        });
      });

      it('answers a wrong secret with 401 invalid_client', async () => {
        const { tokens } = await t.signUp();
        const error = await rejection(
          oauth
            .introspectionRequest(
              as,
              orders,
              oauth.ClientSecretBasic(BFF.secret),
              tokens.access_token,
              options,
            )
            .then((response) => oauth.processIntrospectionResponse(as, orders, response)),
        );
        expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
        expect((error as oauth.WWWAuthenticateChallengeError).status).toBe(401);
      });
    });

    describe('client checks', () => {
      const revoke = (form: Record<string, string>, headers: Record<string, string> = {}) =>
        t.http.post('/oauth/revoke').set(headers).type('form').send(form);
      const basic = (id: string, secret: string) => ({
        Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      });

      it('answers 200 to a token of another client and leaves it valid', async () => {
        const mobile = await mobileTokens();
        expect(claimsOf(mobile.access_token).client_id).toBe(MOBILE);
        await revoke({ token: mobile.access_token }, basic(BFF.client_id, BFF.secret)).expect(200);
        await revoke({ token: mobile.refresh_token }, basic(BFF.client_id, BFF.secret)).expect(200);
        expect(await t.guardStatus(mobile.access_token)).toBe(200);
        const { tokens } = await t.signUp();
        await revoke({ token: tokens.access_token, client_id: MOBILE }).expect(200);
        expect(await t.meStatus(tokens.access_token)).toBe(200);
      });

      it('lets a public client revoke its own tokens with client_id alone', async () => {
        const mobile = await mobileTokens();
        await revoke({ token: mobile.refresh_token, client_id: MOBILE }).expect(200);
        expect(await t.guardStatus(mobile.access_token)).toBe(401);
      });

      it.each([
        ['no client', {}],
        ['a confidential client without its secret', { client_id: BFF.client_id }],
        ['a public client with a secret', { client_id: MOBILE, client_secret: 'x' }],
        ['an unknown public client', { client_id: 'nobody' }],
      ] as [string, Record<string, string>][])(
        'answers 401 invalid_client to %s',
        async (_, form) => {
          const { tokens } = await t.signUp();
          const res = await revoke({ token: tokens.access_token, ...form }).expect(401);
          expect(res.body).toMatchObject({ error: 'invalid_client' });
          expect(res.headers['www-authenticate']).toBeUndefined();
          expect(res.headers['cache-control']).toBe('no-store');
          expect(await t.meStatus(tokens.access_token)).toBe(200);
        },
      );

      it('answers 400 invalid_request to two authentication methods at once', async () => {
        const { tokens } = await t.signUp();
        const res = await revoke(
          { token: tokens.access_token, client_id: BFF.client_id, client_secret: BFF.secret },
          basic(BFF.client_id, BFF.secret),
        ).expect(400);
        expect(res.body).toMatchObject({ error: 'invalid_request' });
        expect(await t.meStatus(tokens.access_token)).toBe(200);
      });

      it('answers 400 unauthorized_client to a client without the right', async () => {
        const { tokens } = await t.signUp();
        const revoked = await revoke(
          { token: tokens.access_token },
          basic(ORDERS.client_id, ORDERS.secret),
        ).expect(400);
        expect(revoked.body).toMatchObject({ error: 'unauthorized_client' });
        const introspected = await t.http
          .post('/oauth/introspect')
          .type('form')
          .send({ token: tokens.access_token, client_id: MOBILE })
          .expect(400);
        expect(introspected.body).toMatchObject({ error: 'unauthorized_client' });
      });

      it('still lets an admin introspect with a bearer token, as JSON or a JWT', async () => {
        const admin = await t.loginAdmin();
        const { tokens } = await t.signUp();
        const json = await t.http
          .post('/oauth/introspect')
          .set(bearer(admin.access_token))
          .type('form')
          .send({ token: tokens.access_token })
          .expect(200);
        expect(json.body).toMatchObject({ active: true, token_type: 'Bearer' });
        const signed = await t.http
          .post('/oauth/introspect')
          .set(bearer(admin.access_token))
          .set('Accept', 'application/token-introspection+jwt')
          .type('form')
          .send({ token: tokens.access_token })
          .buffer(true)
          .parse((res, done) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => done(null, text));
          })
          .expect(200);
        expect(signed.headers['content-type']).toBe('application/token-introspection+jwt');
        expect(signed.headers['cache-control']).toBe('no-store');
        const payload = claimsOf(signed.body as string);
        expect(payload).toMatchObject({
          iss: ISSUER,
          aud: BFF.client_id,
          token_introspection: json.body,
        });
      });
    });
  },
);
