import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { SessionService } from 'nestjs-jwt-revocation';
import { Test } from 'supertest';
import type { AddressInfo } from 'node:net';
import { bearer, sampleMatrix, SampleTestApp } from './support/sample-app';

const ACCOUNT_ROUTES: [method: string, path: string, roles: string[]][] = [
  ['get', '/me', []],
  ['post', '/me/password', []],
  ['get', '/me/sessions', []],
  ['delete', '/me/sessions/some-id', []],
  ['post', '/auth/logout', []],
  ['post', '/auth/logout-all', []],
  ['get', '/admin/users', ['admin']],
  ['get', '/admin/revocations', ['admin']],
  ['post', '/admin/revocations', ['admin']],
  ['post', '/oauth/introspect', ['admin']],
];

const METRICS_TOKEN = 'metrics-token-for-the-scraper-0123';

/** Sends `head` on a raw socket and returns the status line and how long the server took to answer. */
function slowRequest(port: number, head: string): Promise<{ status: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () =>
      resolve({ status: received.split('\r\n')[0], ms: Date.now() - started }),
    );
  });
}

describe.each(sampleMatrix().filter(([kind]) => kind === 'sqlite'))(
  'sample HTTP hardening on %s with %s',
  (kind, adapter) => {
    let t: SampleTestApp;
    let port: number;

    beforeAll(async () => {
      t = await SampleTestApp.start(kind, adapter, {
        HTTP_HEADERS_TIMEOUT: '1',
        HTTP_REQUEST_TIMEOUT: '2',
      });
      await t.app.listen(0, '127.0.0.1');
      port = (t.app.getHttpServer().address() as AddressInfo).port;
    });
    afterAll(() => t?.close());

    it('answers 408 and closes a connection whose headers never finish (HTTP_HEADERS_TIMEOUT)', async () => {
      const res = await slowRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
      expect(res.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(res.ms).toBeGreaterThanOrEqual(900);
      expect(res.ms).toBeLessThan(3000);
    });

    it('answers 408 to a body that never finishes (HTTP_REQUEST_TIMEOUT)', async () => {
      const res = await slowRequest(
        port,
        'POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"em',
      );
      expect(res.status).toBe('HTTP/1.1 408 Request Timeout');
      expect(res.ms).toBeGreaterThanOrEqual(1900);
      expect(res.ms).toBeLessThan(4500);
    });

    describe('account routes', () => {
      const call = (method: string, path: string): Test =>
        (t.http as unknown as Record<string, (path: string) => Test>)[method](path);

      it.each(ACCOUNT_ROUTES)(
        '%s %s: 401 for a correctly signed token whose subject does not exist or is not active',
        async (method, path, roles) => {
          const sessions = t.app.get(SessionService);
          const ghost = await sessions.issue(randomUUID(), { roles });
          const notUuid = await sessions.issue('not-a-user-id', { roles });
          const { user, tokens } = await t.signUp();
          const admin = await t.loginAdmin();
          await t.http
            .post(`/admin/users/${user.id}/suspend`)
            .set(bearer(admin.access_token))
            .expect(204);
          // The suspension revoked the token: a token issued afterwards for the suspended account
          // (a race the guard cannot see) is what is left to refuse.
          const suspended = await sessions.issue(user.id, { roles });
          expect(tokens.access_token).not.toBe(suspended.accessToken);
          for (const token of [ghost.accessToken, notUuid.accessToken, suspended.accessToken]) {
            const res = await call(method, path).set(bearer(token)).send({});
            expect([path, res.status]).toEqual([path, 401]);
            expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
          }
        },
      );
    });

    describe('/metrics', () => {
      let guarded: SampleTestApp;
      let production: SampleTestApp;

      beforeAll(async () => {
        guarded = await SampleTestApp.start(kind, adapter, { METRICS_TOKEN });
        production = await SampleTestApp.start(kind, adapter, { NODE_ENV: 'production' });
      });
      afterAll(async () => {
        await guarded?.close();
        await production?.close();
      });

      it('is public outside production when no METRICS_TOKEN is set', async () => {
        await t.http.get('/metrics').expect(200);
      });

      it('needs Authorization: Bearer METRICS_TOKEN when one is set', async () => {
        const none = await guarded.http.get('/metrics').expect(401);
        expect(none.headers['www-authenticate']).toBe('Bearer');
        for (const wrong of ['x', METRICS_TOKEN.slice(0, -1), `${METRICS_TOKEN}x`]) {
          const res = await guarded.http.get('/metrics').set(bearer(wrong)).expect(401);
          expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
        }
        const res = await guarded.http.get('/metrics').set(bearer(METRICS_TOKEN)).expect(200);
        expect(res.text).toContain('jwt_revocation');
        await guarded.http.get('/health').expect(200);
      });

      it('is disabled in production without METRICS_TOKEN, /health stays public', async () => {
        expect(production.config.warnings.join('\n')).toMatch(/\/metrics is disabled/);
        await production.http.get('/metrics').expect(404);
        await production.http.get('/metrics').set(bearer(METRICS_TOKEN)).expect(404);
        await production.http.get('/health').expect(200);
      });
    });
  },
);
