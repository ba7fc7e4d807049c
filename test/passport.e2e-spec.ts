import { Controller, Get, INestApplication, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { JwtRevocationModule, RevocationService, SessionService } from 'nestjs-jwt-revocation';
import { JWT_REVOCATION_STRATEGY, JwtRevocationStrategy } from 'nestjs-jwt-revocation/passport';

@Controller()
class PassportController {
  @UseGuards(AuthGuard(JWT_REVOCATION_STRATEGY))
  @Get('passport')
  get(@Req() req: { user: { sub: string } }) {
    return { sub: req.user.sub };
  }
}

describe.each(['actionable', 'generic'] as const)(
  'JwtRevocationStrategy with @nestjs/passport (errorDetail %s)',
  (errorDetail) => {
    let app: INestApplication;
    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          JwtRevocationModule.forRoot({
            secret: 'passport-secret-at-least-32-bytes!!',
            errorDetail,
          }),
        ],
        controllers: [PassportController],
        providers: [JwtRevocationStrategy],
      }).compile();
      app = moduleRef.createNestApplication();
      await app.init();
    });
    afterAll(() => app.close());

    it('authenticates with AuthGuard and honours revocations', async () => {
      const pair = await app.get(SessionService).issue('alice');
      const http = () => request(app.getHttpServer());
      await http().get('/passport').expect(401);
      await http().get('/passport').set('Authorization', 'Bearer nonsense').expect(401);
      await http()
        .get('/passport')
        .set('Authorization', `Bearer ${pair.accessToken}`)
        .expect(200, { sub: 'alice' });
      await app.get(RevocationService).revokeSession(pair.sessionId, { reason: 'logout' });
      await http().get('/passport').set('Authorization', `Bearer ${pair.accessToken}`).expect(401);
      // @nestjs/passport's AuthGuard drops challenges; what the strategy reports is checked directly.
      const strategy = app.get(JwtRevocationStrategy) as unknown as {
        authenticate(request: object): void;
        fail(challenge: string, status: number): void;
      };
      const failures: [string, number][] = [];
      strategy.fail = (challenge, status) => failures.push([challenge, status]);
      strategy.authenticate({ headers: { authorization: `Bearer ${pair.accessToken}` } });
      expect(failures).toEqual([
        [
          `Bearer error="invalid_token", error_description="The access token ${
            errorDetail === 'generic' ? 'is invalid' : 'has been revoked'
          }"`,
          401,
        ],
      ]);
    });
  },
);
