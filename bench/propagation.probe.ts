import 'reflect-metadata';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ChildProcess, fork } from 'node:child_process';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
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
import type { PropagationLine, PropagationPhase } from './bench.messages';
import { BENCH_SECRET, now, percentile } from './bench.shared';

/**
 * Propagation delay from a revocation acknowledged on instance A (this process) to its rejection
 * on instance B (a child process), through one transport: TRANSPORT=redis|postgres-notify|polling.
 * B serves HTTP on a guarded route, so the runner can keep it busy during the second phase.
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

/**
 * An instance. `onChanges` (instance B) runs right after changes reach its cache, from the
 * transport or from a poll of the store, so that B notices a rejection the moment it would
 * happen without spinning: a busy loop would take a core from the instance being measured.
 */
async function instance(http: boolean, onChanges?: () => void) {
  const ds = await new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: JWT_REVOCATION_ENTITIES,
    migrations: JWT_REVOCATION_MIGRATIONS,
    migrationsRun: true,
  }).initialize();
  const store = new TypeOrmRevocationStore(ds);
  const announcer = transport();
  if (onChanges) {
    const changesSince = store.changesSince.bind(store);
    store.changesSince = async (cursor, limit) => {
      const changes = await changesSince(cursor, limit);
      // The poll applies them once this resolves; immediates run after those microtasks.
      if (changes.length > 0) setImmediate(onChanges);
      return changes;
    };
    if (announcer) {
      const start = announcer.start.bind(announcer);
      announcer.start = (handlers) =>
        start({
          ...handlers,
          onMessage: (message) => {
            handlers.onMessage(message);
            onChanges();
          },
        });
    }
  }
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
        store,
        transport: announcer,
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

/** Instance B: watches the claims it is sent and reports when it first rejects each of them. */
async function runB() {
  const pending = new Map<number, AccessTokenClaims>();
  let check = () => {};
  const { app } = await instance(true, () => check());
  const revocations = app.get(RevocationService);
  check = () => {
    for (const [i, claims] of pending) {
      if (revocations.check(claims)) {
        pending.delete(i);
        process.send!({ detected: now(), i });
      }
    }
  };
  const { port } = app.getHttpServer().address() as { port: number };
  const token = (await app.get(SessionService).issue('load-user')).accessToken;
  let loop: IntervalHistogram | undefined;
  type Message = { watch?: AccessTokenClaims[]; loopDelay?: boolean; stop?: boolean };
  process.on('message', (message: Message) => {
    if (message.stop) void app.close().then(() => process.exit(0));
    if (message.loopDelay && loop) {
      loop.disable();
      const ms = (ns: number) => ns / 1e6;
      process.send!({ loopDelay: { p99: ms(loop.percentile(99)), max: ms(loop.max) } });
    }
    if (!message.watch) return;
    message.watch.forEach((claims, i) => pending.set(i, claims));
    // How late B's event loop runs during the phase: any message waits as long, whatever it is.
    loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    process.send!({ watching: message.watch.length });
    check();
  });
  process.send!({ ready: true, port, token, pid: process.pid });
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

/**
 * One phase: SAMPLES sessions are opened, B watches them all, then A revokes them one after the
 * other at random intervals (mean GAP_MS), without waiting for B: so revocations fall at every
 * phase of B's polling, as real ones do. Each delay is B's first rejection minus A's acknowledgement.
 */
async function phase(
  child: ChildProcess,
  sessions: SessionService,
  revocations: RevocationService,
  name: string,
): Promise<PropagationPhase> {
  const samples = Number(process.env.SAMPLES ?? 200);
  const gapMs = Number(process.env.GAP_MS ?? 20);
  const pairs = [];
  for (let i = 0; i < samples; i++) pairs.push(await sessions.issue(`propagation-${name}-${i}`));
  child.send({ watch: pairs.map((p) => p.claims) });
  await next(child, 'watching');
  const detected = new Array<number>(samples);
  let remaining = samples;
  const allDetected = new Promise<void>((resolve) => {
    const onMessage = (message: { detected?: number; i?: number }) => {
      if (message.detected === undefined) return;
      detected[message.i!] = message.detected;
      if (--remaining === 0) {
        child.off('message', onMessage);
        resolve();
      }
    };
    child.on('message', onMessage);
  });
  const acknowledged = new Array<number>(samples);
  for (let i = 0; i < samples; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 2 * gapMs));
    await revocations.revokeSession(pairs[i].sessionId, { reason: 'logout' });
    acknowledged[i] = now();
  }
  await allDetected;
  child.send({ loopDelay: true });
  const { loopDelay } = await next<{ loopDelay: { p99: number; max: number } }>(child, 'loopDelay');
  const delays = detected.map((d, i) => Math.max(0, d - acknowledged[i]));
  return {
    samples: delays.length,
    p50: percentile(delays, 50),
    p99: percentile(delays, 99),
    max: Math.max(...delays),
    b_event_loop_delay_ms: loopDelay,
  };
}

/**
 * Instance A. Prints `{ready, port, token, pid}` (B, for the runner to pin and load), measures
 * the idle phase, prints `{idle}` and waits for "go" on stdin (the runner has started loading B),
 * measures again and prints `{load}`.
 */
async function runA() {
  const child = fork(__filename, [], {
    env: { ...process.env, ROLE: 'B', CHANNEL: channel },
    stdio: 'inherit',
  });
  const ready = await next<{ port: number; token: string; pid: number }>(child, 'ready');
  const { app, ds } = await instance(false);
  const sessions = app.get(SessionService);
  const revocations = app.get(RevocationService);
  const line = (message: PropagationLine) => process.stdout.write(JSON.stringify(message) + '\n');
  line({ type: 'ready', port: ready.port, token: ready.token, pid: ready.pid });
  line({ type: 'idle', phase: await phase(child, sessions, revocations, 'idle') });
  await waitForGo();
  line({ type: 'load', phase: await phase(child, sessions, revocations, 'load') });
  child.send({ stop: true });
  await app.close();
  await ds.destroy();
  child.kill('SIGKILL');
}

/** The runner writes "go" on stdin once B is under load. */
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
