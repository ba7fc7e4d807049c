import { createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import type { RingKey } from './key-ring';
import type { AccessTokenClaims } from './token.claims';
import { VerifiedTokenCache } from './verified-token.cache';

const keyA: RingKey = { alg: 'HS256', verifyKey: createSecretKey(Buffer.alloc(32, 1)) };
const keyB: RingKey = { alg: 'HS256', verifyKey: createSecretKey(Buffer.alloc(32, 2)) };
const claims = { sub: 'u' } as AccessTokenClaims;

describe('VerifiedTokenCache', () => {
  it('stays within its entries and bytes under any sequence of stores, hits and deletions', () => {
    const operation = fc.oneof(
      fc.record({ set: fc.string({ minLength: 1, maxLength: 600 }), payload: fc.nat(800) }),
      fc.record({ get: fc.string({ maxLength: 3 }) }),
      fc.record({ del: fc.string({ maxLength: 3 }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.array(operation, { maxLength: 200 }),
        (maxEntries, maxBytes, operations) => {
          const cache = new VerifiedTokenCache(maxEntries, maxBytes);
          for (const op of operations) {
            if ('set' in op) cache.set(op.set, claims, keyA, op.payload);
            else if ('get' in op) cache.get(op.get);
            else cache.delete(op.del);
            expect(cache.size).toBeLessThanOrEqual(maxEntries);
            expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
            expect(cache.bytes).toBeGreaterThanOrEqual(0);
          }
          if (cache.size === 0) expect(cache.bytes).toBe(0);
        },
      ),
    );
  });

  it('finds a token only by its exact string', () => {
    const cache = new VerifiedTokenCache(10, 1 << 20);
    cache.set('aaa.bbb.ccc', claims, keyA, 3);
    expect(cache.get('aaa.bbb.ccc')?.claims).toBe(claims);
    for (const other of ['aaa.bbb.cc', 'aaa.bbb.ccc ', 'AAA.bbb.ccc', 'aaa.bbb.ccd'])
      expect(cache.get(other)).toBeUndefined();
  });

  it('tells apart tokens that end the same way, through stores, hits, deletions and evictions', () => {
    const tail = '.' + 'S'.repeat(20);
    const token = fc
      .tuple(
        fc.constantFrom('a', 'b', 'ab', 'ba', 'aa', ''),
        fc.constantFrom(tail, 'x' + tail, 'y'),
      )
      .map(([head, end]) => head + end);
    const operation = fc.oneof(
      fc.record({ set: token }),
      fc.record({ get: token }),
      fc.record({ del: token }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(operation, { maxLength: 300 }),
        (max, ops) => {
          const cache = new VerifiedTokenCache(max, 1 << 20);
          const model = new Map<string, AccessTokenClaims>();
          for (const op of ops) {
            if ('set' in op) {
              const own = { sub: op.set } as AccessTokenClaims;
              cache.set(op.set, own, keyA, 10);
              if (cache.get(op.set)) model.set(op.set, own);
            } else if ('del' in op) {
              cache.delete(op.del);
              model.delete(op.del);
              expect(cache.get(op.del)).toBeUndefined();
            } else {
              const hit = cache.get(op.get);
              if (hit) expect(hit.claims).toBe(model.get(op.get));
            }
            expect(cache.size).toBeLessThanOrEqual(max);
          }
          let held = 0;
          for (const [t, c] of model) {
            const hit = cache.get(t);
            if (hit) {
              expect(hit.claims).toBe(c);
              held++;
            }
          }
          expect(held).toBe(cache.size);
        },
      ),
    );
  });

  it('keeps the tokens in use through a flood of tokens seen once', () => {
    const cache = new VerifiedTokenCache(100, 1 << 24);
    const hot = Array.from({ length: 20 }, (_, i) => `hot-${i}`);
    for (const t of hot) cache.set(t, claims, keyA, 100);
    for (let i = 0; i < 10_000; i++) {
      for (const t of hot) expect(cache.get(t)).toBeDefined();
      cache.set(`flood-${i}`, claims, keyA, 100);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
  });

  it('while full and missing, admits a new token only when it misses again soon, on its second request', () => {
    const cache = new VerifiedTokenCache(100, 1 << 24);
    const seen = (token: string) => {
      if (cache.get(token)) return true;
      cache.set(token, claims, keyA, 100);
      return false;
    };
    for (let i = 0; i < 5_000; i++) seen(`flood-${i}`);
    // Each seen once: only the doorkeeper's false positives (about 1%) get in once churning.
    const last = Array.from({ length: 2_000 }, (_, i) => `flood-${3_000 + i}`);
    expect(last.filter((t) => cache.get(t) !== undefined).length).toBeLessThan(60);
    // A flood of tokens that come back only after more misses than the cache holds: not admitted.
    for (let pass = 0; pass < 3; pass++) for (let i = 0; i < 1_000; i++) seen(`cycled-${i}`);
    const cycled = Array.from({ length: 1_000 }, (_, i) => `cycled-${i}`);
    expect(cycled.filter((t) => cache.get(t) !== undefined).length).toBeLessThan(40);
    // Interleaved with another new token each time: admitted on its second request (or third, when
    // the doorkeeper was cleared in between), so its third (or fourth) hits.
    const admittedAfter: number[] = [];
    for (let round = 0; round < 50; round++) {
      let attempts = 0;
      while (!seen(`recurring-${round}`) && attempts < 20) {
        attempts++;
        seen(`more-${round}-${attempts}`);
      }
      admittedAfter.push(attempts);
    }
    expect(Math.max(...admittedAfter)).toBeLessThanOrEqual(3);
    expect(admittedAfter.filter((a) => a === 2).length).toBeGreaterThanOrEqual(45);
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it('evicts by bytes as well as by entries, and skips an entry larger than the whole budget', () => {
    const cache = new VerifiedTokenCache(1000, 5_000);
    for (let i = 0; i < 100; i++) cache.set(`t${i}`.padEnd(300, '.'), claims, keyA, 400);
    expect(cache.bytes).toBeLessThanOrEqual(5_000);
    expect(cache.size).toBeLessThan(100);
    cache.clear();
    cache.set('x'.repeat(6_000), claims, keyA, 10);
    expect(cache.size).toBe(0);
  });

  it('drops exactly the tokens of one key', () => {
    const cache = new VerifiedTokenCache(100, 1 << 20);
    for (let i = 0; i < 10; i++) cache.set(`t${i}`, claims, i % 2 ? keyA : keyB, 10);
    cache.deleteKey(keyB);
    expect(cache.size).toBe(5);
    for (let i = 0; i < 10; i++) expect(cache.get(`t${i}`)?.key).toBe(i % 2 ? keyA : undefined);
  });
});
