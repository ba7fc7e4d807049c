import fc from 'fast-check';
import { FingerprintMap } from './fingerprint.map';

describe('FingerprintMap', () => {
  it('behaves like a map of key to largest value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 10_000 })), {
          maxLength: 3000,
        }),
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 11_000 }),
        (entries, probes, threshold) => {
          const map = new FingerprintMap();
          const model = new Map<string, number>();
          for (const [key, value] of entries) {
            map.raise(key, value);
            model.set(key, Math.max(model.get(key) ?? 0, value));
          }
          expect(map.size).toBe(model.size);
          for (const key of [...model.keys(), ...probes]) {
            expect(map.has(key)).toBe(model.has(key));
            expect(map.get(key)).toBe(model.get(key));
          }
          const removed = map.removeAtMost(threshold);
          const kept = [...model].filter(([, value]) => value > threshold);
          expect(removed).toBe(model.size - kept.length);
          expect(map.size).toBe(kept.length);
          for (const [key, value] of kept) expect(map.get(key)).toBe(value);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('grows past its initial capacity and shrinks after removals', () => {
    const map = new FingerprintMap();
    for (let i = 0; i < 100_000; i++) map.raise(`jti-${i}`, i % 2 ? 10 : 20);
    expect(map.size).toBe(100_000);
    expect(map.get('jti-99999')).toBe(10);
    expect(map.has('jti-100000')).toBe(false);
    expect(map.removeAtMost(15)).toBe(50_000);
    expect(map.size).toBe(50_000);
    expect(map.get('jti-0')).toBe(20);
    expect(map.has('jti-1')).toBe(false);
  });
});
