import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { BaseTokenClaims, RevocationChange, RevocationSnapshot } from 'nestjs-jwt-revocation';

/** Shared settings of the benchmark processes. */
export const BENCH_SECRET = 'benchmark-secret-that-is-32-bytes-long';
export const BENCH_USER = 'bench-user';

export type Adapter = 'fastify' | 'express';

export type Scenario =
  | 'no-guard'
  | 'verify-only'
  | 'revocation-empty'
  | 'revocation-1m'
  | 'revocation-uncached'
  | 'revocation-hostile'
  | 'stock-passport-keyobject'
  | 'fast-jwt-cached'
  | 'stock-passport'
  | 'naive-sqlite'
  | 'naive-postgres';

export const SCENARIOS: Scenario[] = [
  'no-guard',
  'verify-only',
  'revocation-empty',
  'revocation-1m',
  'revocation-uncached',
  'revocation-hostile',
  'stock-passport-keyobject',
  'fast-jwt-cached',
  'stock-passport',
  'naive-sqlite',
  'naive-postgres',
];

export const SCENARIO_LABELS: Record<Scenario, string> = {
  'no-guard': 'no guard',
  'verify-only': 'verify only (our verifier, uncached, no revocation)',
  'revocation-empty': 'revocation guard, empty',
  'revocation-1m': 'revocation guard, 1M jti + 100k sessions + 100k users',
  'revocation-uncached': 'revocation guard, 1M loaded, token cache off',
  'revocation-hostile': 'revocation guard, 1M loaded, a different token per request',
  'stock-passport-keyobject': 'stock @nestjs/passport + passport-jwt (KeyObject secret)',
  'fast-jwt-cached': 'fast-jwt verifier with its cache (as a Nest guard)',
  'stock-passport': 'stock @nestjs/passport + passport-jwt (string secret, Nest docs)',
  'naive-sqlite': 'stock guard + TypeORM jti lookup (SQLite)',
  'naive-postgres': 'stock guard + TypeORM jti lookup (Postgres)',
};

/**
 * The peer route each revocation server also serves at `PEER_PATH`, in the same process: the
 * ratios between a feature and its absence (the guard, the token cache) are then taken without the
 * differences between two processes (heap layout, code placement), which reach 1.5% per request on
 * this machine and moved those ratios more between runs than their intervals within one. The empty
 * server has the same route as the 1M one, so the two differ only in the state they hold.
 */
export const SAME_PROCESS_PEER: Partial<Record<Scenario, 'no-guard' | 'verify-only'>> = {
  'revocation-empty': 'no-guard',
  'revocation-1m': 'no-guard',
  'revocation-uncached': 'verify-only',
  'revocation-hostile': 'verify-only',
};
export const PEER_PATH = '/peer';

/**
 * An A/A control: the 1M server also serves its own route, with the same guard, at `CONTROL_PATH`,
 * and the bench compares the two as it compares a revocation route with its same-process peer. The
 * ratio's true value is 1; its median and interval show how far the method alone moves a
 * same-process ratio in that run (on this shared machine, a few per cent either way).
 */
export const CONTROL_PATH = '/same';

/**
 * Distinct tokens the cache-hostile scenario cycles through: ten times the default cache size, so
 * that a token comes back only after more misses than the cache holds (the cache's doorkeeper has
 * forgotten it by then, and the cache does not admit it). Its steady hit rate is then 0; with twice
 * the size and the random admission before the doorkeeper, it was about 0.4.
 */
export const HOSTILE_TOKENS = 100_000;

/** Sizes of the loaded revocation state for `revocation-1m`. */
export const LOADED = { jtis: 1_000_000, sessions: 100_000, users: 100_000 };

export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A distribution-free 95% confidence interval for the median (order statistics, normal
 * approximation of the binomial): what a median of noisy per-pair differences can be trusted to.
 */
export function medianCi95(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const half = (1.96 * Math.sqrt(n)) / 2;
  const lower = Math.max(1, Math.floor(n / 2 - half));
  const upper = Math.min(n, Math.ceil(n / 2 + 1 + half));
  return [sorted[lower - 1], sorted[upper - 1]];
}

export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return 0;
  const sorted = Array.from(values).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** `count` random 22-character base64url ids (as the library's jti/sid), from one buffer. */
export function randomIds(count: number): string[] {
  const bytes = randomBytes(count * 16);
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) ids[i] = bytes.toString('base64url', i * 16, i * 16 + 16);
  return ids;
}

/** What the probes use of the library's in-process cache, which is not public API. */
export interface ProbedCache {
  load(snapshot: RevocationSnapshot): Promise<void>;
  apply(change: RevocationChange): void;
  check(claims: BaseTokenClaims, now: number): string | undefined;
  readonly size: { tokens: number; sessions: number; users: number; openSessions: number };
}

/** A new cache from the library's build (`npm run build:lib`), reached by path since the package does not export it. */
export function newRevocationCache(allowlist = false): ProbedCache {
  const load = createRequire(__filename);
  const { RevocationCache } = load(
    resolve(__dirname, '../../libs/jwt-revocation/dist/revocation/revocation.cache.js'),
  ) as { RevocationCache: new (allowlist: boolean) => ProbedCache };
  return new RevocationCache(allowlist);
}
