import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  INestApplication,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  Request,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { ExtractJwt, Strategy } from 'passport-jwt';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import {
  JwtRevocationModule,
  MemoryRevocationStore,
  RevocationClaimsService,
  RevocationService,
} from 'nestjs-jwt-revocation';
import type { RevocationStore } from 'nestjs-jwt-revocation';
import { TypeOrmRevocationStore } from 'nestjs-jwt-revocation/typeorm';
import {
  createTestDatabase,
  DatabaseKind,
  openRevocationDataSource,
  TestDatabase,
  testDatabaseKinds,
} from './support/databases';

// ---------------------------------------------------------------------------------------------
// The app of the Nest docs' authentication chapter (JwtModule + JwtService.signAsync in an
// AuthService, a passport-jwt JwtStrategy, AuthGuard('jwt')), with users that have roles and can
// change their password or be deleted. Lines marked "+ revocation" are all that adoption adds.
// ---------------------------------------------------------------------------------------------

const jwtConstants = { secret: 'docs-chapter-secret-that-is-long-enough!' };

interface User {
  userId: number;
  username: string;
  password: string;
  roles: string[];
}

@Injectable()
class UsersService {
  private users: User[] = [
    { userId: 1, username: 'john', password: 'changeme', roles: ['user'] },
    { userId: 2, username: 'maria', password: 'guess', roles: ['admin'] },
  ];

  async findOne(username: string): Promise<User | undefined> {
    return this.users.find((user) => user.username === username);
  }

  async byId(userId: number): Promise<User | undefined> {
    return this.users.find((user) => user.userId === userId);
  }

  async remove(userId: number): Promise<void> {
    this.users = this.users.filter((user) => user.userId !== userId);
  }
}

@Injectable()
class AuthService {
  constructor(
    @Inject(UsersService) private readonly usersService: UsersService,
    @Inject(JwtService) private readonly jwtService: JwtService,
    @Inject(RevocationClaimsService) private readonly claims: RevocationClaimsService, // + revocation
    @Inject(RevocationService) private readonly revocations: RevocationService, // + revocation
  ) {}

  async signIn(username: string, pass: string): Promise<{ access_token: string }> {
    const user = await this.usersService.findOne(username);
    if (user?.password !== pass) throw new UnauthorizedException();
    const payload = { sub: user.userId, username: user.username, roles: user.roles };
    const stamped = await this.claims.stamp(user.userId, payload); // + revocation
    return { access_token: await this.jwtService.signAsync(stamped) };
  }

  /** How tokens were signed before adoption (and still are by an instance not yet upgraded). */
  async signInUnstamped(username: string): Promise<string> {
    const user = (await this.usersService.findOne(username))!;
    return this.jwtService.signAsync({ sub: user.userId, username, roles: user.roles });
  }

  // + revocation: each account change ends the tokens it must end.
  async logout(user: AuthenticatedUser): Promise<void> {
    if (user.sid) await this.claims.closeSession(user.sid, { actor: String(user.userId) });
    else await this.revocations.revokeUser(String(user.userId), { reason: 'logout' });
  }

  async changePassword(userId: number, password: string): Promise<void> {
    const user = (await this.usersService.byId(userId))!;
    user.password = password;
    await this.revocations.revokeUser(String(userId), { reason: 'password_change' });
  }

  async changeRoles(userId: number, roles: string[], actor: number): Promise<void> {
    const user = (await this.usersService.byId(userId))!;
    user.roles = roles;
    await this.revocations.revokeUser(String(userId), {
      reason: 'role_change',
      actor: String(actor),
    });
  }

  async deleteAccount(userId: number, actor: number): Promise<void> {
    await this.usersService.remove(userId);
    await this.revocations.revokeUser(String(userId), {
      reason: 'account_deleted',
      actor: String(actor),
    });
  }
}

interface AuthenticatedUser {
  userId: number;
  username: string;
  roles: string[];
  sid?: string;
}

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(RevocationService) private readonly revocations: RevocationService) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: jwtConstants.secret,
    });
  }

  async validate(payload: {
    sub: number;
    username: string;
    roles: string[];
    sid?: string;
  }): Promise<AuthenticatedUser> {
    this.revocations.assertPayloadNotRevoked(payload); // + revocation
    return {
      userId: payload.sub,
      username: payload.username,
      roles: payload.roles,
      sid: payload.sid,
    };
  }
}

@Controller()
class AuthController {
  constructor(@Inject(AuthService) private readonly authService: AuthService) {}

  @HttpCode(200)
  @Post('auth/login')
  signIn(@Body() body: { username: string; password: string }) {
    return this.authService.signIn(body.username, body.password);
  }

  @UseGuards(AuthGuard('jwt'))
  @Get('profile')
  getProfile(@Request() req: { user: AuthenticatedUser }) {
    return { userId: req.user.userId, username: req.user.username };
  }

  @UseGuards(AuthGuard('jwt'))
  @HttpCode(204)
  @Post('auth/logout')
  async logout(@Request() req: { user: AuthenticatedUser }): Promise<void> {
    await this.authService.logout(req.user);
  }

  @UseGuards(AuthGuard('jwt'))
  @HttpCode(204)
  @Post('auth/password')
  async password(
    @Request() req: { user: AuthenticatedUser },
    @Body() body: { password: string },
  ): Promise<void> {
    await this.authService.changePassword(req.user.userId, body.password);
  }

  @UseGuards(AuthGuard('jwt'))
  @HttpCode(204)
  @Post('users/:id/roles')
  async roles(
    @Request() req: { user: AuthenticatedUser },
    @Param('id') id: string,
    @Body() body: { roles: string[] },
  ): Promise<void> {
    if (!req.user.roles.includes('admin')) throw new UnauthorizedException();
    await this.authService.changeRoles(Number(id), body.roles, req.user.userId);
  }

  @UseGuards(AuthGuard('jwt'))
  @HttpCode(204)
  @Delete('users/:id')
  async remove(@Request() req: { user: AuthenticatedUser }, @Param('id') id: string) {
    if (!req.user.roles.includes('admin') && req.user.userId !== Number(id)) {
      throw new UnauthorizedException();
    }
    await this.authService.deleteAccount(Number(id), req.user.userId);
  }
}

function appModule(store: RevocationStore) {
  @Module({
    imports: [
      PassportModule,
      JwtModule.register({ secret: jwtConstants.secret, signOptions: { expiresIn: '600s' } }),
      // + revocation
      JwtRevocationModule.forRoot({ secret: jwtConstants.secret, store, pollInterval: 0 }),
    ],
    providers: [UsersService, AuthService, JwtStrategy],
    controllers: [AuthController],
  })
  class AppModule {}
  return AppModule;
}

async function boot(store: RevocationStore): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [appModule(store)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe.each(testDatabaseKinds())('adopting in a @nestjs/jwt + passport-jwt app (%s)', (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let app: INestApplication;

  beforeEach(async () => {
    db = await createTestDatabase(kind as DatabaseKind);
    dataSource = await openRevocationDataSource(db);
    app = await boot(new TypeOrmRevocationStore(dataSource));
  });

  afterEach(async () => {
    await app.close();
    await dataSource.destroy();
    await db.drop();
  });

  const http = () => request(app.getHttpServer());
  const login = async (username: string, password: string): Promise<string> => {
    const res = await http().post('/auth/login').send({ username, password }).expect(200);
    return res.body.access_token as string;
  };
  const unstamped = (username: string) => app.get(AuthService).signInUnstamped(username);
  const profile = (token: string) => http().get('/profile').set(bearer(token));

  it('logout ends the session it was called with, and only it', async () => {
    const old = await unstamped('john');
    const phone = await login('john', 'changeme');
    const laptop = await login('john', 'changeme');
    await profile(phone).expect(200, { userId: 1, username: 'john' });
    await http().post('/auth/logout').set(bearer(phone)).expect(204);
    const refused = await profile(phone).expect(401);
    expect(refused.body.message).toBe('The access token has been revoked');
    await profile(laptop).expect(200);
    await profile(old).expect(200);
  });

  it('logout with a token from before adoption ends every token of the user issued until then', async () => {
    const old = await unstamped('john');
    const other = await unstamped('maria');
    await http().post('/auth/logout').set(bearer(old)).expect(204);
    await profile(old).expect(401);
    await profile(other).expect(200);
    // New logins are stamped: judged by their versions, not by time, so they work at once.
    await profile(await login('john', 'changeme')).expect(200);
  });

  it('a password change ends tokens from before and after adoption', async () => {
    const old = await unstamped('john');
    const current = await login('john', 'changeme');
    await http().post('/auth/password').set(bearer(current)).send({ password: 'n3w' }).expect(204);
    await profile(old).expect(401);
    await profile(current).expect(401);
    await http().post('/auth/login').send({ username: 'john', password: 'changeme' }).expect(401);
    await profile(await login('john', 'n3w')).expect(200);
  });

  it('a role change ends the tokens that carry the old roles', async () => {
    const admin = await login('maria', 'guess');
    const oldJohn = await unstamped('john');
    const john = await login('john', 'changeme');
    await http()
      .post('/users/1/roles')
      .set(bearer(admin))
      .send({ roles: ['admin'] })
      .expect(204);
    await profile(oldJohn).expect(401);
    await profile(john).expect(401);
    await profile(admin).expect(200);
    const promoted = await login('john', 'changeme');
    await profile(promoted).expect(200);
  });

  it('deleting an account ends all its tokens, and the revocation survives a restart', async () => {
    const old = await unstamped('john');
    const current = await login('john', 'changeme');
    await http().delete('/users/1').set(bearer(current)).expect(204);
    await profile(old).expect(401);
    await profile(current).expect(401);

    await app.close();
    app = await boot(new TypeOrmRevocationStore(dataSource));
    await profile(old).expect(401);
    await profile(current).expect(401);
    await profile(await unstamped('maria')).expect(200);
  });

  it('refuses tokens with a malformed revocation claim', async () => {
    const forged = await app.get(JwtService).signAsync({ sub: 1, username: 'john', uv: 'x' });
    await profile(forged).expect(401);
  });
});

describe('adopting in a @nestjs/jwt + passport-jwt app, with the store down at boot', () => {
  it('fails closed with 503 rather than accepting tokens it cannot check', async () => {
    const working = new MemoryRevocationStore();
    const down: RevocationStore = Object.assign(Object.create(working) as RevocationStore, {
      loadSnapshot: async () => {
        throw new Error('store down');
      },
    });
    const app = await boot(down);
    try {
      const token = await app.get(JwtService).signAsync({ sub: 1, username: 'john' });
      const res = await request(app.getHttpServer()).get('/profile').set(bearer(token));
      expect(res.status).toBe(503);
    } finally {
      await app.close();
    }
  });
});
