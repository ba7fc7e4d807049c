import { Controller, Get, INestApplication } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import {
  Authorize,
  Clock,
  JwtRevocationModule,
  JwtRevocationModuleOptions,
  MemoryRevocationStore,
  RevocationStore,
  SessionService,
} from 'nestjs-jwt-revocation';
import { ManualClock } from 'nestjs-jwt-revocation/testing';

const SECRET = 'route-policy-e2e-secret-at-least-32-bytes';

@Controller()
class PolicyController {
  static handled = 0;

  @Authorize() @Get('cached') cached() {
    return this.handle();
  }

  @Authorize({ consistency: 'strong' }) @Get('strong') strong() {
    return this.handle();
  }

  @Authorize({ roles: ['admin'], consistency: 'strong' }) @Get('strong-admin') strongAdmin() {
    return this.handle();
  }

  @Authorize({ clients: ['web'] }) @Get('web') web() {
    return this.handle();
  }

  @Authorize({ audience: 'billing' }) @Get('billing') billing() {
    return this.handle();
  }

  private handle() {
    PolicyController.handled++;
    return { ok: true };
  }
}

type Adapter = 'express' | 'fastify';

/** A store whose calls fail while `down` is true; `inner` is the store other instances share. */
function switchableStore() {
  const inner = new MemoryRevocationStore();
  const state = { down: false };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        state.down ? Promise.reject(new Error('store down')) : value.apply(target, args);
    },
  }) as RevocationStore;
  return { inner, store, state };
}

async function boot(adapter: Adapter, options: Partial<JwtRevocationModuleOptions>) {
  const moduleRef = await Test.createTestingModule({
    imports: [JwtRevocationModule.forRoot({ secret: SECRET, pollInterval: 0, ...options })],
    controllers: [PolicyController],
  })
    .overrideProvider(Clock)
    .useValue(new ManualClock())
    .compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
          logger: false,
        })
      : moduleRef.createNestApplication({ logger: false });
  await app.init();
  if (adapter === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return app;
}

/** The same claims re-signed with more of them (as an authorization server adding `client_id`/`aud`). */
function resign(token: string, extra: Record<string, unknown>): string {
  const [header, payload] = token.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...extra };
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

describe.each<Adapter>(['express', 'fastify'])('per-route policy over HTTP (%s)', (adapter) => {
  describe('actionable reasons', () => {
    let app: INestApplication;
    let sessions: SessionService;
    let shared: ReturnType<typeof switchableStore>;
    const get = (path: string, token: string) =>
      request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${token}`);

    beforeAll(async () => {
      shared = switchableStore();
      app = await boot(adapter, { store: shared.store, storeTimeout: 2 });
      sessions = app.get(SessionService);
    });
    afterAll(() => app.close());

    it('refuses on a strong route a logout recorded by another instance; the cached route has not heard of it', async () => {
      const pair = await sessions.issue('u1', { roles: ['user'] });
      await shared.inner.revoke({
        target: { kind: 'session', sessionId: pair.sessionId },
        reason: 'logout',
        at: Date.now(),
        tokenLifetimeMs: 900_000,
        sessionLifetimeMs: 86_400_000,
      });
      await get('/cached', pair.accessToken).expect(200, { ok: true });
      const handled = PolicyController.handled;
      const res = await get('/strong', pair.accessToken).expect(401);
      expect(PolicyController.handled).toBe(handled);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'invalid_token',
        message: 'The access token has been revoked',
        reason: 'session_ended',
      });
      expect(res.headers['www-authenticate']).toBe(
        'Bearer error="invalid_token", error_description="The access token has been revoked"',
      );
    });

    it('answers a strong route 503 with Retry-After while the store is down, runs no handler, and recovers', async () => {
      const pair = await sessions.issue('u2', { roles: ['user'] });
      shared.state.down = true;
      try {
        const handled = PolicyController.handled;
        const res = await get('/strong', pair.accessToken).expect(503);
        expect(res.headers['retry-after']).toBe('2');
        expect(res.body).toEqual(expect.objectContaining({ reason: 'store_unavailable' }));
        expect(PolicyController.handled).toBe(handled);
        await get('/cached', pair.accessToken).expect(200);
      } finally {
        shared.state.down = false;
      }
      await get('/strong', pair.accessToken).expect(200, { ok: true });
    });

    it('answers a missing role on a strong route 403 insufficient_role', async () => {
      const pair = await sessions.issue('u3', { roles: ['user'] });
      const res = await get('/strong-admin', pair.accessToken).expect(403);
      expect(res.body.reason).toBe('insufficient_role');
      expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
      const admin = await sessions.issue('u4', { roles: ['admin'] });
      await get('/strong-admin', admin.accessToken).expect(200);
    });

    it('lets only the named client in: 403 client_not_allowed otherwise, also without client_id', async () => {
      const pair = await sessions.issue('u5', { roles: ['user'] });
      await get('/web', resign(pair.accessToken, { client_id: 'web' })).expect(200);
      for (const token of [resign(pair.accessToken, { client_id: 'cli' }), pair.accessToken]) {
        const res = await get('/web', token).expect(403);
        expect(res.body).toEqual({
          statusCode: 403,
          error: 'insufficient_scope',
          message: 'This client may not call this resource',
          reason: 'client_not_allowed',
        });
        expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
      }
    });

    it('lets only tokens for the audience in: 401 wrong_audience otherwise', async () => {
      const pair = await sessions.issue('u6', { roles: ['user'] });
      await get('/billing', resign(pair.accessToken, { aud: ['web', 'billing'] })).expect(200);
      const res = await get('/billing', resign(pair.accessToken, { aud: 'web' })).expect(401);
      expect(res.body.reason).toBe('wrong_audience');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    it('names a missing token and a malformed one', async () => {
      const missing = await request(app.getHttpServer()).get('/cached').expect(401);
      expect(missing.body.reason).toBe('missing_token');
      expect(missing.headers['www-authenticate']).toBe('Bearer');
      const malformed = await get('/cached', 'not-a-token').expect(401);
      expect(malformed.body.reason).toBe('invalid_token');
    });
  });

  describe('errorDetail "generic"', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await boot(adapter, { errorDetail: 'generic' });
    });
    afterAll(() => app.close());

    it('sends the status and RFC 6750 code only: no reason, a generic description', async () => {
      const sessions = app.get(SessionService);
      const pair = await sessions.issue('u1', { roles: ['user'] });
      await sessions.logout(pair.sessionId);
      const revoked = await request(app.getHttpServer())
        .get('/strong')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(401);
      expect(revoked.body).toEqual({
        statusCode: 401,
        error: 'invalid_token',
        message: 'The access token is invalid',
      });
      expect(revoked.headers['www-authenticate']).toBe(
        'Bearer error="invalid_token", error_description="The access token is invalid"',
      );
      const other = await sessions.issue('u2', { roles: ['user'] });
      const client = await request(app.getHttpServer())
        .get('/web')
        .set('Authorization', `Bearer ${other.accessToken}`)
        .expect(403);
      expect(client.body).not.toHaveProperty('reason');
      expect(client.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
    });
  });
});

describe('per-route policy at bootstrap', () => {
  @Controller()
  class StaleStrongController {
    @Authorize({ consistency: 'strong', maxStaleness: 30 }) @Get('pay') pay() {}
  }

  it('refuses to start with a contradictory route, naming it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JwtRevocationModule.forRoot({ secret: SECRET, pollInterval: 0 })],
      controllers: [StaleStrongController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(
      'jwt-revocation: @Authorize on StaleStrongController.pay: consistency "strong" never relies on the cached verdict, so maxStaleness has no meaning.',
    );
    await app.close();
  });
});
