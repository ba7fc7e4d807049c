import { createHmac } from 'node:crypto';
import { TokenVerifier } from 'nestjs-jwt-revocation';
import { benchContext, collectGarbage as gc, runProbe } from './bench.context';
import type { MemoryProbeResult } from './bench.messages';
import { BENCH_SECRET, newRevocationCache, randomIds } from './bench.shared';

/**
 * Memory after GC (run with --expose-gc): the revocation cache holding 1M revoked jtis (heap and
 * typed arrays), and the verified-token cache holding 100k distinct access tokens (the strings,
 * claims and entries it keeps; each token is made and verified in turn, so only the cache holds it).
 */
const TOKENS = 100_000;

function revocationCacheMb() {
  const targets = randomIds(1_000_000);
  gc();
  const before = process.memoryUsage();
  const cache = newRevocationCache();
  const expiresAt = Date.now() + 3_600_000;
  for (const target of targets) cache.apply({ seq: 0, kind: 'jti', target, version: 0, expiresAt });
  gc();
  const after = process.memoryUsage();
  const last = {
    sub: 'x',
    sid: 'x',
    jti: targets[targets.length - 1],
    iat: 0,
    exp: 0,
    uv: 0,
    gv: 0,
  };
  if (!cache.check(last, 0)) throw new Error('cache lost an entry');
  const heapMb = (after.heapUsed - before.heapUsed) / 1048576;
  const arrayBuffersMb = (after.arrayBuffers - before.arrayBuffers) / 1048576;
  return {
    entries: cache.size.tokens,
    heap_mb: heapMb,
    array_buffers_mb: arrayBuffersMb,
    total_mb: heapMb + arrayBuffersMb,
  };
}

/** An access token as the library issues them (HS256, `at+jwt`, 22-character ids). */
function accessToken(i: number, ids: string[], now: number): string {
  const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${encode({ alg: 'HS256', typ: 'at+jwt' })}.${encode({
    sub: `user-${i}`,
    sid: ids[2 * i],
    jti: ids[2 * i + 1],
    roles: ['user'],
    uv: 0,
    gv: 0,
    iat: now,
    exp: now + 900,
  })}`;
  return `${input}.${createHmac('sha256', BENCH_SECRET).update(input).digest('base64url')}`;
}

async function tokenCacheMb() {
  const app = await benchContext({
    verifiedTokenCache: { maxEntries: TOKENS, maxBytes: 2 ** 31 - 1 },
  });
  const verifier = app.get(TokenVerifier);
  const ids = randomIds(2 * TOKENS);
  const now = Math.floor(Date.now() / 1000);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < TOKENS; i++) verifier.verifyAccessToken(accessToken(i, ids, now));
  gc();
  const measured = (process.memoryUsage().heapUsed - before) / 1048576;
  const { entries, bytes } = verifier.cacheSize;
  if (entries !== TOKENS) throw new Error(`the cache holds ${entries} tokens`);
  await app.close();
  return { measured, estimated: bytes / 1048576 };
}

async function main(): Promise<MemoryProbeResult> {
  const revocations = revocationCacheMb();
  const tokens = await tokenCacheMb();
  return {
    ...revocations,
    token_cache_100k_mb: tokens.measured,
    token_cache_100k_estimated_mb: tokens.estimated,
  };
}

runProbe(main);
