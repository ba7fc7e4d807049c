import 'reflect-metadata';
import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Inject,
  Injectable,
  Module,
  Type,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  extractBearerToken,
  JwtRevocationGuard,
  JwtRevocationModule,
  MemoryRevocationStore,
  RevocationChange,
  RevocationSnapshot,
  SessionService,
  TokenVerifier,
} from 'nestjs-jwt-revocation';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { Adapter, BENCH_SECRET, BENCH_USER, LOADED, randomIds, Scenario } from './bench.shared';

const scenario = process.env.SCENARIO as Scenario;
const adapter = (process.env.ADAPTER ?? 'fastify') as Adapter;
const databaseUrl = process.env.DATABASE_URL;

/**
 * The revocation state of `revocation-1m`: generated, not read from a database, so every server
 * starts fast; handed over in batches of 2,000 as the TypeORM store does.
 */
class LoadedStore extends MemoryRevocationStore {
  override async loadSnapshot(): Promise<RevocationSnapshot> {
    const userVersions: [string, number, number][] = [[BENCH_USER, 1, 0]];
    for (let i = 1; i < LOADED.users; i++) userVersions.push([`user-${i}`, 1, 0]);
    return { changes: generated(), userVersions, globalVersion: 0, globalRevokedAt: 0, cursor: 0 };
  }

  override async versions(subject: string) {
    return { user: subject === BENCH_USER ? 1 : 0, global: 0 };
  }
}

async function* generated(): AsyncGenerator<RevocationChange[]> {
  const far = Date.now() + 86_400_000;
  for (const [kind, count] of [
    ['jti', LOADED.jtis],
    ['session', LOADED.sessions],
  ] as const) {
    for (let done = 0; done < count; done += 2_000) {
      yield randomIds(Math.min(2_000, count - done)).map((target) => ({
        seq: 0,
        kind,
        target,
        version: 0,
        expiresAt: far,
      }));
    }
  }
}

/** The library's verifier alone: what "verification without revocation" costs. */
@Injectable()
class VerifyOnlyGuard implements CanActivate {
  constructor(@Inject(TokenVerifier) private readonly verifier: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    request.user = this.verifier.verifyAccessToken(
      extractBearerToken(request.headers.authorization),
    );
    return true;
  }
}

/** The strategy from the Nest docs' authentication chapter: passport-jwt with a string secret. */
@Injectable()
class StockJwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: BENCH_SECRET,
    });
  }

  validate(payload: { sub: string; jti: string }) {
    return { userId: payload.sub, jti: payload.jti };
  }
}

@Entity({ name: 'revoked_token' })
class RevokedToken {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  jti: string;

  @Column({ type: 'bigint' })
  expires_at: number;
}

/** The naive design: the stock strategy plus a database lookup of the jti on every request. */
@Injectable()
class NaiveJwtStrategy extends PassportStrategy(Strategy, 'naive') {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: BENCH_SECRET,
    });
  }

  async validate(payload: { sub: string; jti: string }) {
    const revoked = await this.dataSource
      .getRepository(RevokedToken)
      .findOneBy({ jti: payload.jti });
    if (revoked) throw new UnauthorizedException();
    return { userId: payload.sub, jti: payload.jti };
  }
}

function guardFor(s: Scenario): Type<CanActivate> | undefined {
  switch (s) {
    case 'no-guard':
      return undefined;
    case 'verify-only':
      return VerifyOnlyGuard;
    case 'revocation-empty':
    case 'revocation-1m':
      return JwtRevocationGuard;
    case 'stock-passport':
      return AuthGuard('jwt');
    case 'naive-sqlite':
    case 'naive-postgres':
      return AuthGuard('naive');
  }
}

function controllerFor(guard: Type<CanActivate> | undefined) {
  @Controller()
  class PingController {
    @Get('ping')
    ping() {
      return { ok: true, scenario };
    }
  }
  if (guard) UseGuards(guard)(PingController);
  return PingController;
}

function dataSourceProvider() {
  return {
    provide: DataSource,
    useFactory: async () => {
      const ds = new DataSource(
        scenario === 'naive-sqlite'
          ? {
              type: 'better-sqlite3',
              database: databaseUrl!.replace(/^sqlite:/, ''),
              entities: [RevokedToken],
            }
          : { type: 'postgres', url: databaseUrl, entities: [RevokedToken] },
      );
      return ds.initialize();
    },
  };
}

async function main() {
  const naive = scenario === 'naive-sqlite' || scenario === 'naive-postgres';
  @Module({
    imports: [
      JwtRevocationModule.forRoot({
        secret: BENCH_SECRET,
        store: scenario === 'revocation-1m' ? new LoadedStore() : new MemoryRevocationStore(),
        pollInterval: 0,
        purgeInterval: 0,
      }),
    ],
    controllers: [controllerFor(guardFor(scenario))],
    providers: [
      ...(scenario === 'stock-passport' ? [StockJwtStrategy] : []),
      ...(naive ? [dataSourceProvider(), NaiveJwtStrategy] : []),
    ],
  })
  class BenchModule {}

  const app =
    adapter === 'fastify'
      ? await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const pair = await app.get(SessionService).issue(BENCH_USER, { roles: ['user'] });
  process.stdout.write(`READY ${port} ${pair.accessToken}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main().catch((error) => {
  process.stderr.write(`${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
