import fc from 'fast-check';
import { FingerprintSet } from './fingerprint.set';

describe('FingerprintSet', () => {
  it('behaves like a map of key to latest expiry (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 10_000 })), {
          maxLength: 3000,
        }),
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 11_000 }),
        (entries, probes, purgeAt) => {
          const set = new FingerprintSet();
          const model = new Map<string, number>();
          for (const [key, seconds] of entries) {
            set.add(key, seconds * 1000);
            model.set(key, Math.max(model.get(key) ?? 0, seconds * 1000));
          }
          expect(set.size).toBe(model.size);
          for (const key of [...model.keys(), ...probes]) {
            expect(set.has(key)).toBe(model.has(key));
            expect(set.expiry(key)).toBe(model.get(key));
          }
          const removed = set.purge(purgeAt * 1000);
          const kept = [...model].filter(([, until]) => until > purgeAt * 1000);
          expect(removed).toBe(model.size - kept.length);
          expect(set.size).toBe(kept.length);
          for (const [key] of kept) expect(set.has(key)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never forgets an entry before its expiry, rounding up to the second', () => {
    const set = new FingerprintSet();
    set.add('a', 1500);
    expect(set.purge(1999)).toBe(0);
    expect(set.has('a')).toBe(true);
    expect(set.purge(2000)).toBe(1);
    expect(set.has('a')).toBe(false);
  });

  it('grows past its initial capacity and shrinks after a purge', () => {
    const set = new FingerprintSet();
    for (let i = 0; i < 100_000; i++) set.add(`jti-${i}`, (i % 2 ? 10 : 20) * 1000);
    expect(set.size).toBe(100_000);
    expect(set.has('jti-99999')).toBe(true);
    expect(set.has('jti-100000')).toBe(false);
    set.purge(15_000);
    expect(set.size).toBe(50_000);
    expect(set.has('jti-0')).toBe(true);
    expect(set.has('jti-1')).toBe(false);
  });
});
