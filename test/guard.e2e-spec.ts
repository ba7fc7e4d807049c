import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import {
  Authorize,
  CurrentClaims,
  JwtRevocationModule,
  RevocationService,
  SessionService,
  AccessTokenClaims,
} from 'nestjs-jwt-revocation';

@Controller()
class ProbeController {
  @Get('open')
  open() {
    return { ok: true };
  }

  @Authorize()
  @Get('me')
  me(@CurrentClaims() claims: AccessTokenClaims) {
    return { sub: claims.sub };
  }

  @Authorize('admin')
  @Get('admin')
  admin() {
    return { admin: true };
  }
}

@Module({
  imports: [JwtRevocationModule.forRoot({ secret: 'x'.repeat(32) })],
  controllers: [ProbeController],
})
class ProbeModule {}

describe.each(['express', 'fastify'] as const)('guard on %s', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app =
      adapter === 'fastify'
        ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter())
        : moduleRef.createNestApplication();
    await app.init();
    if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  it('works', async () => {
    const sessions = app.get(SessionService);
    const pair = await sessions.issue('u1', { roles: ['user'] });
    await request(app.getHttpServer()).get('/open').expect(200);
    const missing = await request(app.getHttpServer()).get('/me').expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    await request(app.getHttpServer()).get('/me').set('Authorization', `Bearer ${pair.accessToken}`).expect(200, { sub: 'u1' });
    const forbidden = await request(app.getHttpServer()).get('/admin').set('Authorization', `Bearer ${pair.accessToken}`).expect(403);
    expect(forbidden.headers['www-authenticate']).toContain('insufficient_scope');
    await app.get(RevocationService).revokeSession(pair.sessionId, { reason: 'logout' });
    const revoked = await request(app.getHttpServer()).get('/me').set('Authorization', `Bearer ${pair.accessToken}`).expect(401);
    expect(revoked.headers['www-authenticate']).toContain('invalid_token');
  });
});
