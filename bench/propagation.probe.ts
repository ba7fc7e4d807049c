import 'reflect-metadata';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ChildProcess, fork } from 'node:child_process';
import {
  AccessTokenClaims,
  JwtRevocationGuard,
  JwtRevocationModule,
  RevocationService,
  RevocationTransport,
  SessionService,
} from 'nestjs-jwt-revocation';
import { PostgresNotifyTransport } from 'nestjs-jwt-revocation/postgres';
import { RedisRevocationTransport } from 'nestjs-jwt-revocation/redis';
import {
  JWT_REVOCATION_ENTITIES,
  JWT_REVOCATION_MIGRATIONS,
  TypeOrmRevocationStore,
} from 'nestjs-jwt-revocation/typeorm';
import { DataSource } from 'typeorm';
import { BENCH_SECRET, now, percentile } from './bench.shared';

/**
 * Propagation delay from a revocation acknowledged on instance A (this process) to its rejection
 * on instance B (a child process), through one transport: TRANSPORT=redis|postgres-notify|polling.
 * B serves HTTP on a guarded route, so a load generator can keep it busy meanwhile (LOAD=1).
 */
const transportName = process.env.TRANSPORT as 'redis' | 'postgres-notify' | 'polling';
const databaseUrl = process.env.DATABASE_URL!;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const pollInterval = Number(process.env.POLL_INTERVAL ?? 1);
const channel = process.env.CHANNEL ?? `jwt-revocation-bench-${process.pid}`;

function transport(): RevocationTransport | undefined {
  if (transportName === 'redis') return new RedisRevocationTransport({ url: redisUrl, channel });
  if (transportName === 'postgres-notify')
    return new PostgresNotifyTransport({
      connectionString: databaseUrl,
      channel: channel.replace(/-/g, '_'),
    });
  return undefined;
}

async function instance(http: boolean) {
  const ds = await new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: JWT_REVOCATION_ENTITIES,
    migrations: JWT_REVOCATION_MIGRATIONS,
    migrationsRun: true,
  }).initialize();
  @Controller()
  @UseGuards(JwtRevocationGuard)
  class PingController {
    @Get('ping') ping() {
      return { ok: true };
    }
  }
  @Module({
    imports: [
      JwtRevocationModule.forRoot({
        secret: BENCH_SECRET,
        store: new TypeOrmRevocationStore(ds),
        transport: transport(),
        pollInterval,
        maxStaleness: Math.max(10, pollInterval * 10),
      }),
    ],
    controllers: http ? [PingController] : [],
  })
  class PropagationModule {}
  const app = await NestFactory.create(PropagationModule, new FastifyAdapter(), { logger: false });
  if (http) await app.listen(0, '127.0.0.1');
  else await app.init();
  return { app, ds };
}

/** Instance B: watches for the claims it is sent and reports when it first rejects them. */
async function runB() {
  const { app } = await instance(true);
  const { port } = app.getHttpServer().address() as { port: number };
  const sessions = app.get(SessionService);
  const token = (await sessions.issue('load-user')).accessToken;
  const revocations = app.get(RevocationService);
  process.on('message', (message: { watch?: AccessTokenClaims; stop?: boolean }) => {
    if (message.stop) void app.close().then(() => process.exit(0));
    const claims = message.watch;
    if (!claims) return;
    const tick = () => {
      if (revocations.check(claims)) process.send!({ detected: now() });
      else setImmediate(tick);
    };
    process.send!({ watching: true });
    setImmediate(tick);
  });
  process.send!({ ready: true, port, token });
}

function next<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (key in message) {
        child.off('message', onMessage);
        resolve(message as T);
      }
    };
    child.on('message', onMessage);
  });
}

async function runA() {
  const samples = Number(process.env.SAMPLES ?? 200);
  const child = fork(__filename, [], {
    env: { ...process.env, ROLE: 'B', CHANNEL: channel },
    stdio: 'inherit',
  });
  const ready = await next<{ port: number; token: string }>(child, 'ready');
  process.stdout.write(
    JSON.stringify({ ready: true, port: ready.port, token: ready.token }) + '\n',
  );
  const go = process.env.LOAD === '1' ? await waitForGo() : undefined;
  void go;
  const { app, ds } = await instance(false);
  const sessions = app.get(SessionService);
  const revocations = app.get(RevocationService);
  const delays: number[] = [];
  for (let i = 0; i < samples; i++) {
    const pair = await sessions.issue(`propagation-${i}`);
    child.send({ watch: pair.claims });
    await next(child, 'watching');
    // A random pause, so revocations do not fall in step with B's polling (which would flatter or wrong it).
    await new Promise((r) => setTimeout(r, Math.random() * pollInterval * 1000));
    const detected = next<{ detected: number }>(child, 'detected');
    await revocations.revokeSession(pair.sessionId, { reason: 'logout' });
    const acknowledged = now();
    delays.push(Math.max(0, (await detected).detected - acknowledged));
  }
  child.send({ stop: true });
  await app.close();
  await ds.destroy();
  child.kill('SIGKILL');
  process.stdout.write(
    JSON.stringify({
      transport: transportName,
      samples: delays.length,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      max: Math.max(...delays),
    }) + '\n',
  );
}

/** Under load, the parent starts the load generator against B, then writes "go" on stdin. */
function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once('data', () => resolve());
  });
}

const role = process.env.ROLE === 'B' ? runB : runA;
void role().then(
  () => {
    if (process.env.ROLE !== 'B') process.exit(0);
  },
  (error) => {
    process.stderr.write(`${String(error?.stack ?? error)}\n`);
    process.exit(1);
  },
);
