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
import { createVerifier } from 'fast-jwt';
import { createHmac, createSecretKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  Clock,
  extractBearerToken,
  JwtRevocationGuard,
  JwtRevocationModule,
  JwtRevocationModuleOptions,
  MemoryRevocationStore,
  SessionService,
  TokenVerifier,
} from 'nestjs-jwt-revocation';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import type { ServerCpu, ServerReady } from './bench.messages';
import { LoadedStore } from './loaded.store';
import {
  Adapter,
  BENCH_SECRET,
  BENCH_USER,
  CONTROL_PATH,
  HOSTILE_TOKENS,
  PEER_PATH,
  randomIds,
  SAME_PROCESS_PEER,
  Scenario,
} from './bench.shared';

const scenario = process.env.SCENARIO as Scenario;
const adapter = (process.env.ADAPTER ?? 'fastify') as Adapter;
const databaseUrl = process.env.DATABASE_URL;

/** The library's verifier of this server's options with its token cache off (bench only). */
const VERIFIER_WITHOUT_CACHE = Symbol('VERIFIER_WITHOUT_CACHE');

/** The module's resolved options, which the package does not export: reached in its build by path. */
const { JwtRevocationConfig } = require(
  resolve(__dirname, '../../libs/jwt-revocation/dist/jwt-revocation.config.js'),
) as { JwtRevocationConfig: new (options: JwtRevocationModuleOptions) => object };

function verifierWithoutCache(options: JwtRevocationModuleOptions) {
  return {
    provide: VERIFIER_WITHOUT_CACHE,
    inject: [Clock],
    useFactory: (clock: Clock) =>
      new TokenVerifier(
        new JwtRevocationConfig({ ...options, verifiedTokenCache: { maxEntries: 0 } }) as never,
        clock,
      ),
  };
}

/** The library's verifier alone, uncached: what "verification without revocation" costs. */
@Injectable()
class VerifyOnlyGuard implements CanActivate {
  constructor(@Inject(VERIFIER_WITHOUT_CACHE) private readonly verifier: TokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    request.user = this.verifier.verifyAccessToken(
      extractBearerToken(request.headers.authorization),
    );
    return true;
  }
}

/**
 * The strategy from the Nest docs' authentication chapter: passport-jwt with a string secret, or
 * (the best stock configuration) the secret as a `KeyObject`, which spares jsonwebtoken from
 * creating one per request.
 */
@Injectable()
class StockJwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      // passport-jwt's types predate KeyObject; it hands the key to jsonwebtoken, which takes one.
      secretOrKey:
        scenario === 'stock-passport-keyobject'
          ? (createSecretKey(Buffer.from(BENCH_SECRET)) as unknown as Buffer)
          : BENCH_SECRET,
    });
  }

  validate(payload: { sub: string; jti: string }) {
    return { userId: payload.sub, jti: payload.jti };
  }
}

/** fast-jwt's verifier with its cache (1,000 tokens, keyed on a hash of the token), as a guard. */
@Injectable()
class FastJwtGuard implements CanActivate {
  private readonly verify = createVerifier({
    key: BENCH_SECRET,
    algorithms: ['HS256'],
    cache: true,
  }) as (token: string) => Record<string, unknown>;

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest();
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) {
      throw new UnauthorizedException();
    }
    try {
      request.user = this.verify(header.slice(7));
    } catch {
      throw new UnauthorizedException();
    }
    return true;
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
    case 'revocation-uncached':
    case 'revocation-hostile':
      return JwtRevocationGuard;
    case 'stock-passport':
    case 'stock-passport-keyobject':
      return AuthGuard('jwt');
    case 'fast-jwt-cached':
      return FastJwtGuard;
    case 'naive-sqlite':
    case 'naive-postgres':
      return AuthGuard('naive');
  }
}

function controllerFor(guard: Type<CanActivate> | undefined, path = 'ping') {
  @Controller()
  class PingController {
    @Get(path)
    ping() {
      return { ok: true, scenario };
    }
  }
  if (guard) UseGuards(guard)(PingController);
  return PingController;
}

/** CPU and GC time of this server, read by the runner around each measurement (not guarded). */
function cpuController() {
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
  @Controller()
  class CpuController {
    @Get('__cpu')
    cpu(): ServerCpu {
      const { user, system } = process.cpuUsage();
      return {
        cpu_us: user + system,
        gc_ms: gcMs,
        heap_mb: process.memoryUsage().heapUsed / 2 ** 20,
      };
    }
  }
  return CpuController;
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

/**
 * `count` valid tokens like `model`, each with its own `jti` and `sid`, signed with the bench
 * secret as the library signs (HS256 over the same header). Sessions the store never saw are not
 * refused in denylist mode, so no session is opened: the server holds nothing for them.
 */
function distinctTokens(model: string, count: number): string[] {
  const [header, payload] = model.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object;
  const key = createSecretKey(Buffer.from(BENCH_SECRET, 'utf8'));
  const ids = randomIds(2 * count);
  return Array.from({ length: count }, (_, i) => {
    const body = Buffer.from(
      JSON.stringify({ ...claims, jti: ids[2 * i], sid: ids[2 * i + 1] }),
    ).toString('base64url');
    const signature = createHmac('sha256', key).update(`${header}.${body}`).digest('base64url');
    return `${header}.${body}.${signature}`;
  });
}

/**
 * Every server is measured as a long-running one is: after a full collection. Until its first, a
 * fresh process served up to 20% faster on this machine whatever it held (an empty revocation
 * server against one with 1M entries, or against itself with 25 MB of never-read memory; after one
 * `gc()` the empty server ran as fast as the loaded one, whose speed did not change): see
 * bench/README.md. Started with `--expose-gc` by `startServer`.
 */
function afterFullCollection(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('bench.server.js needs --expose-gc');
  gc();
}

async function main() {
  const naive = scenario === 'naive-sqlite' || scenario === 'naive-postgres';
  const loaded = ['revocation-1m', 'revocation-uncached', 'revocation-hostile'].includes(scenario);
  const uncached = scenario === 'verify-only' || scenario === 'revocation-uncached';
  const options: JwtRevocationModuleOptions = {
    secret: BENCH_SECRET,
    store: loaded ? new LoadedStore() : new MemoryRevocationStore(),
    allowInMemoryStoreInProduction: true,
    // A full run outlasts the default 15 minutes: every token is issued at start-up.
    accessTokenTtl: 7200,
    pollInterval: 0,
    purgeInterval: 0,
    ...(uncached && { verifiedTokenCache: { maxEntries: 0 } }),
  };
  const peer = SAME_PROCESS_PEER[scenario];
  @Module({
    imports: [JwtRevocationModule.forRoot(options)],
    controllers: [
      controllerFor(guardFor(scenario)),
      ...(peer ? [controllerFor(guardFor(peer), PEER_PATH.slice(1))] : []),
      ...(scenario === 'revocation-1m'
        ? [controllerFor(guardFor(scenario), CONTROL_PATH.slice(1))]
        : []),
      cpuController(),
    ],
    providers: [
      verifierWithoutCache(options),
      ...(scenario.startsWith('stock-passport') ? [StockJwtStrategy] : []),
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
  const sessions = app.get(SessionService);
  const pair = await sessions.issue(BENCH_USER, { roles: ['user'] });
  const ready: ServerReady = { type: 'ready', port, token: pair.accessToken };
  if (scenario === 'revocation-hostile') {
    const tokens = distinctTokens(pair.accessToken, HOSTILE_TOKENS);
    app.get(TokenVerifier).verifyAccessToken(tokens[0]);
    ready.tokensFile = join(process.env.TOKENS_DIR!, `${adapter}-${scenario}.tokens`);
    writeFileSync(ready.tokensFile, tokens.join('\n'));
  }
  afterFullCollection();
  process.stdout.write(JSON.stringify(ready) + '\n');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main().catch((error) => {
  process.stderr.write(`${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
