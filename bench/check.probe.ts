import 'reflect-metadata';
import { ExecutionContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  BaseTokenClaims,
  extractBearerToken,
  JwtRevocationGuard,
  JwtRevocationModule,
  RevocationChange,
  SessionService,
  TokenVerifier,
} from 'nestjs-jwt-revocation';
import type { CallCost } from './bench.messages';
import {
  BENCH_SECRET,
  BENCH_USER,
  LOADED,
  newRevocationCache,
  percentile,
  randomIds,
} from './bench.shared';
import { LoadedStore } from './loaded.store';

const CALLS = 100_000;
const WARM_UP_CALLS = 50_000;

/**
 * The revocation check alone, per call, with the benchmark's state loaded (1M jtis, 100k sessions,
 * 100k users): autocannon resolves HTTP latency only to the millisecond, this to the nanosecond.
 * Then the steps of the guard on a repeated token, each call on a new copy of the header (as every
 * request brings one): the bearer extraction, the cached verification, and the whole guard.
 */
async function main() {
  const far = Date.now() + 86_400_000;
  const cache = newRevocationCache();
  await cache.load({
    changes: batches([
      ...randomIds(LOADED.jtis).map((target) => ({
        seq: 0,
        kind: 'jti' as const,
        target,
        version: 0,
        expiresAt: far,
      })),
      ...randomIds(LOADED.sessions).map((target) => ({
        seq: 0,
        kind: 'session' as const,
        target,
        version: 0,
        expiresAt: far,
      })),
    ]),
    userVersions: Array.from({ length: LOADED.users }, (_, i): [string, number, number] => [
      `user-${i}`,
      1,
      0,
    ]),
    globalVersion: 0,
    globalRevokedAt: 0,
    cursor: 0,
  });
  const sids = randomIds(200_000);
  const jtis = randomIds(200_000);
  const probes: BaseTokenClaims[] = Array.from({ length: 200_000 }, (_, i) => ({
    sub: `user-${Math.floor(Math.random() * LOADED.users * 2)}`,
    sid: sids[i],
    jti: jtis[i],
    iat: 0,
    exp: 0,
    uv: 1,
    gv: 0,
  }));
  const now = Date.now();
  for (const claims of probes) cache.check(claims, now);
  const samples: number[] = new Array(probes.length);
  for (let i = 0; i < probes.length; i++) {
    const started = process.hrtime.bigint();
    if (cache.check(probes[i], now) !== undefined)
      throw new Error('a live token was reported revoked');
    samples[i] = Number(process.hrtime.bigint() - started);
  }
  process.stdout.write(JSON.stringify({ ...cost(samples), guard: await guardSteps() }) + '\n');
}

function cost(samples: number[]): CallCost {
  return {
    calls: samples.length,
    p50_ns: percentile(samples, 50),
    p99_ns: percentile(samples, 99),
    p999_ns: percentile(samples, 99.9),
  };
}

/** Times `step` on each of `inputs`, after a warm-up on other copies. */
function timed<T>(inputs: (count: number) => T[], step: (input: T) => unknown): CallCost {
  for (const input of inputs(WARM_UP_CALLS)) step(input);
  const measured = inputs(CALLS);
  const samples: number[] = new Array(measured.length);
  for (let i = 0; i < measured.length; i++) {
    const started = process.hrtime.bigint();
    step(measured[i]);
    samples[i] = Number(process.hrtime.bigint() - started);
  }
  return cost(samples);
}

async function guardSteps(): Promise<Record<'extract' | 'verify_cached' | 'guard', CallCost>> {
  @Module({
    imports: [
      JwtRevocationModule.forRoot({
        secret: BENCH_SECRET,
        store: new LoadedStore(),
        allowInMemoryStoreInProduction: true,
        pollInterval: 0,
        purgeInterval: 0,
      }),
    ],
  })
  class ProbeModule {}
  const app = await NestFactory.createApplicationContext(ProbeModule, { logger: false });
  const { accessToken } = await app.get(SessionService).issue(BENCH_USER, { roles: ['user'] });
  const verifier = app.get(TokenVerifier);
  const guard = app.get(JwtRevocationGuard);
  const header = Buffer.from(`Bearer ${accessToken}`, 'latin1');
  /** New strings with the same content, as an HTTP parser makes for each request. */
  const copies = (count: number) => Array.from({ length: count }, () => header.toString('latin1'));
  class Route {
    handle() {}
  }
  const contextOf = (authorization: string) => {
    const request = { headers: { authorization } };
    const http = { getRequest: () => request, getResponse: () => ({ header() {} }) };
    return {
      getHandler: () => Route.prototype.handle,
      getClass: () => Route,
      switchToHttp: () => http,
    } as unknown as ExecutionContext;
  };
  const steps = {
    extract: timed(copies, (h) => extractBearerToken(h)),
    verify_cached: timed(
      (count) => copies(count).map((h) => h.slice(7)),
      (token) => verifier.verifyAccessToken(token),
    ),
    guard: timed(
      (count) => copies(count).map(contextOf),
      (context) => {
        if (guard.canActivate(context) !== true) throw new Error('the guard refused a live token');
      },
    ),
  };
  await app.close();
  return steps;
}

async function* batches(changes: RevocationChange[]): AsyncGenerator<RevocationChange[]> {
  yield changes;
}

void main();
