import { Controller, Get, INestApplication, Injectable, Module } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AccessTokenClaims,
  Authorize,
  Clock,
  CurrentClaims,
  JwtRevocationModule,
  MemoryRevocationStore,
  Public,
  RevocationService,
  RevocationSync,
  SessionService,
} from 'nestjs-jwt-revocation';
import { ManualClock } from 'nestjs-jwt-revocation/testing';

const SECRET = 'e2e-secret-that-is-at-least-32-bytes';

@Authorize()
@Controller()
class PerRouteController {
  static handled = 0;

  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }

  @Get('me')
  me(@CurrentClaims() claims: AccessTokenClaims, @CurrentClaims('sid') sid: string) {
    PerRouteController.handled++;
    return { sub: claims.sub, sid };
  }

  @Authorize('admin')
  @Get('admin')
  admin() {
    return { admin: true };
  }
}

@Controller('global')
class GlobalGuardController {
  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }

  @Get('closed')
  closed() {
    return { ok: true };
  }
}

@Injectable()
class SettingsService {
  readonly secret = SECRET;
}

@Module({ providers: [SettingsService], exports: [SettingsService] })
class SettingsModule {}

type Adapter = 'express' | 'fastify';

async function boot(adapter: Adapter, imports: unknown[], controllers: unknown[]) {
  const clock = new ManualClock();
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    controllers: controllers as never[],
  })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter())
      : moduleRef.createNestApplication();
  await app.init();
  if (adapter === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return { app, clock };
}

describe.each<Adapter>(['express', 'fastify'])('JwtRevocationGuard over HTTP (%s)', (adapter) => {
  describe('per-route @Authorize, forRootAsync', () => {
    let app: INestApplication;
    let clock: ManualClock;
    let store: MemoryRevocationStore;
    let sessions: SessionService;
    let revocations: RevocationService;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      store = new MemoryRevocationStore();
      ({ app, clock } = await boot(
        adapter,
        [
          JwtRevocationModule.forRootAsync({
            imports: [SettingsModule],
            inject: [SettingsService],
            useFactory: (settings: SettingsService) => ({
              secret: settings.secret,
              issuer: 'https://auth.test',
              audience: 'e2e',
              store,
              pollInterval: 0.05,
              maxStaleness: 2,
            }),
          }),
        ],
        [PerRouteController],
      ));
      sessions = app.get(SessionService);
      revocations = app.get(RevocationService);
    });
    afterAll(() => app.close());

    it('serves public routes without a token', () => http().get('/open').expect(200, { ok: true }));

    it('accepts a valid token and passes its claims to the handler', async () => {
      const pair = await sessions.issue('u1', { roles: ['user'] });
      await http()
        .get('/me')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(200, { sub: 'u1', sid: pair.sessionId });
    });

    it('answers a missing token with 401 and a bare Bearer challenge', async () => {
      const res = await http().get('/me').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it.each([
      ['malformed', () => 'Bearer not-a-token'],
      ['garbage', () => `Bearer ${'\u00ff'.repeat(10)}`],
      ['oversized', () => `Bearer ${'a'.repeat(9000)}.b.c`],
    ])('answers a %s token with 401 invalid_token', async (_name, header) => {
      const res = await http().get('/me').set('Authorization', header());
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    it.each([
      ['Bearer with no token', ['Bearer ']],
      ['two Authorization headers', ['Bearer a.b.c', 'Basic dXNlcjpwYXNz']],
    ])('answers %s with 400 invalid_request (RFC 6750 §3.1)', async (_name, values) => {
      const pair = await sessions.issue('u1', { roles: ['user'] });
      const headers = values.map((v) => v.replace('a.b.c', pair.accessToken));
      const res = await http()
        .get('/me')
        .set('Authorization', headers as unknown as string);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_request"/);
    });

    it('answers an expired, tampered or revoked token with 401 invalid_token', async () => {
      const pair = await sessions.issue('u2', { roles: ['user'] });
      const [h, p, s] = pair.accessToken.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url')}.${s}`;
      for (const token of [tampered]) {
        const res = await http().get('/admin').set('Authorization', `Bearer ${token}`).expect(401);
        expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      }
      await revocations.revokeSession(pair.sessionId, { reason: 'logout' });
      const revoked = await http()
        .get('/me')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(401);
      expect(revoked.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(revoked.body).toEqual(
        expect.objectContaining({ statusCode: 401, error: 'invalid_token' }),
      );

      const later = await sessions.issue('u2', { roles: ['user'] });
      clock.advance(16 * 60 * 1000);
      const expired = await http()
        .get('/me')
        .set('Authorization', `Bearer ${later.accessToken}`)
        .expect(401);
      expect(expired.headers['www-authenticate']).toContain('expired');
      await app.get(RevocationSync).refresh();
    });

    it('answers a missing role with 403 insufficient_scope', async () => {
      const pair = await sessions.issue('u3', { roles: ['user'] });
      const res = await http()
        .get('/admin')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(403);
      expect(res.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
      const admin = await sessions.issue('u4', { roles: ['admin'] });
      await http().get('/admin').set('Authorization', `Bearer ${admin.accessToken}`).expect(200);
    });

    it('answers 503 and runs no handler while the store cannot be read', async () => {
      const pair = await sessions.issue('u5', { roles: ['user'] });
      const { changesSince, loadSnapshot } = store;
      const down = () => Promise.reject(new Error('down'));
      Object.assign(store, { changesSince: down, loadSnapshot: down });
      clock.advance(3000);
      const handledBefore = PerRouteController.handled;
      await http().get('/me').set('Authorization', `Bearer ${pair.accessToken}`).expect(503);
      expect(PerRouteController.handled).toBe(handledBefore);
      Object.assign(store, { changesSince, loadSnapshot });
      const end = Date.now() + 3000;
      let status = 0;
      while (Date.now() < end && status !== 200) {
        await new Promise((r) => setTimeout(r, 50));
        status = (await http().get('/me').set('Authorization', `Bearer ${pair.accessToken}`))
          .status;
      }
      expect(status).toBe(200);
    });
  });

  describe('global guard with @Public()', () => {
    let app: INestApplication;
    beforeAll(async () => {
      ({ app } = await boot(
        adapter,
        [JwtRevocationModule.forRoot({ secret: SECRET, globalGuard: true })],
        [GlobalGuardController],
      ));
    });
    afterAll(() => app.close());

    it('guards every route but the public ones', async () => {
      await request(app.getHttpServer()).get('/global/open').expect(200);
      await request(app.getHttpServer()).get('/global/closed').expect(401);
      const pair = await app.get(SessionService).issue('u1');
      await request(app.getHttpServer())
        .get('/global/closed')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(200);
    });
  });
});

describe('module options', () => {
  it.each([
    [{ secret: 'short' }, /at least 32 bytes/],
    [{}, /configure `secret` or `keys`/],
    [{ secret: SECRET, mode: 'sometimes' }, /mode must be one of/],
    [{ secret: SECRET, accessTokenTtl: -1 }, /accessTokenTtl must be a number/],
  ])('refuses %p at boot with a clear message', async (options, message) => {
    await expect(
      Test.createTestingModule({
        imports: [JwtRevocationModule.forRoot(options as never)],
      }).compile(),
    ).rejects.toThrow(message);
  });
});
