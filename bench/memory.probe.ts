import { newRevocationCache, randomIds } from './bench.shared';

/** Heap and off-heap memory of the cache holding 1M revoked jtis, after GC. Run with --expose-gc. */
function main() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const targets = randomIds(1_000_000);
  gc();
  gc();
  const before = process.memoryUsage();
  const cache = newRevocationCache();
  const expiresAt = Date.now() + 3_600_000;
  for (const target of targets) cache.apply({ seq: 0, kind: 'jti', target, version: 0, expiresAt });
  gc();
  gc();
  const after = process.memoryUsage();
  if (
    !cache.check(
      { sub: 'x', sid: 'x', jti: targets[targets.length - 1], iat: 0, exp: 0, uv: 0, gv: 0 },
      0,
    )
  ) {
    throw new Error('cache lost an entry');
  }
  const heapMb = (after.heapUsed - before.heapUsed) / 1048576;
  const arrayBuffersMb = (after.arrayBuffers - before.arrayBuffers) / 1048576;
  process.stdout.write(
    JSON.stringify({
      entries: cache.size.tokens,
      heap_mb: heapMb,
      array_buffers_mb: arrayBuffersMb,
      total_mb: heapMb + arrayBuffersMb,
    }) + '\n',
  );
}

main();
