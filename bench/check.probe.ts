import type { BaseTokenClaims, RevocationChange } from 'nestjs-jwt-revocation';
import { LOADED, newRevocationCache, percentile, randomIds } from './bench.shared';

/**
 * The revocation check alone, per call, with the benchmark's state loaded (1M jtis, 100k sessions,
 * 100k users): autocannon resolves HTTP latency only to the millisecond, this to the nanosecond.
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
  process.stdout.write(
    JSON.stringify({
      calls: samples.length,
      p50_ns: percentile(samples, 50),
      p99_ns: percentile(samples, 99),
      p999_ns: percentile(samples, 99.9),
    }) + '\n',
  );
}

async function* batches(changes: RevocationChange[]): AsyncGenerator<RevocationChange[]> {
  yield changes;
}

void main();
