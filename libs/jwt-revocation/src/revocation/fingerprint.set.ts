import { randomBytes } from 'node:crypto';

const EMPTY = 0;
const MIN_CAPACITY = 1024;

/**
 * A set of strings kept as 64-bit keyed fingerprints, each with an expiry, in flat typed arrays:
 * about 24 bytes per entry instead of ~80 for a `Map<string, number>`. Two different strings share
 * a fingerprint with probability 2^-64 per pair, so a check may (practically never) report a
 * string that was not added; it never misses one that was.
 */
export class FingerprintSet {
  private hi!: Uint32Array;
  private lo!: Uint32Array;
  /** Expiry in whole seconds, rounded up; 0 marks an empty slot. */
  private until!: Uint32Array;
  private mask = 0;
  private count = 0;
  private readonly seedA: number;
  private readonly seedB: number;

  constructor(capacity = MIN_CAPACITY) {
    const seeds = randomBytes(8);
    this.seedA = seeds.readUInt32LE(0);
    this.seedB = seeds.readUInt32LE(4);
    this.allocate(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds `key` until `expiresAtMs` (kept at the later expiry if already present). */
  add(key: string, expiresAtMs: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const until = Math.min(Math.max(Math.ceil(expiresAtMs / 1000), 1), 0xffffffff);
    this.insert(hash(key, this.seedA), hash(key, this.seedB), until);
  }

  has(key: string): boolean {
    return this.expiry(key) !== undefined;
  }

  /** The expiry (ms, rounded up to a whole second) of `key`, or `undefined` when absent. */
  expiry(key: string): number | undefined {
    const a = hash(key, this.seedA);
    const b = hash(key, this.seedB);
    for (let i = (a ^ b) & this.mask; ; i = (i + 1) & this.mask) {
      const until = this.until[i];
      if (until === EMPTY) return undefined;
      if (this.hi[i] === a && this.lo[i] === b) return until * 1000;
    }
  }

  /** Removes entries expired at `nowMs`; returns how many. */
  purge(nowMs: number): number {
    const before = this.count;
    this.rehash(this.mask + 1, Math.floor(nowMs / 1000));
    return before - this.count;
  }

  clear(): void {
    this.allocate(MIN_CAPACITY);
  }

  private insert(a: number, b: number, until: number): void {
    for (let i = (a ^ b) & this.mask; ; i = (i + 1) & this.mask) {
      if (this.until[i] === EMPTY) {
        this.hi[i] = a;
        this.lo[i] = b;
        this.until[i] = until;
        this.count++;
        return;
      }
      if (this.hi[i] === a && this.lo[i] === b) {
        if (until > this.until[i]) this.until[i] = until;
        return;
      }
    }
  }

  private rehash(capacity: number, expiredAtOrBefore = 0): void {
    const { hi, lo, until } = this;
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.allocate(size);
    for (let i = 0; i < until.length; i++) {
      if (until[i] > expiredAtOrBefore) this.insert(hi[i], lo[i], until[i]);
    }
    if (this.count * 4 < this.mask + 1 && this.mask + 1 > MIN_CAPACITY) {
      this.rehash(Math.max(MIN_CAPACITY, this.count * 2));
    }
  }

  private allocate(capacity: number): void {
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.until = new Uint32Array(size);
    this.mask = size - 1;
    this.count = 0;
  }
}

/** MurmurHash3 (x86, 32-bit) over UTF-16 code units. */
function hash(key: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < key.length; i++) {
    let k = Math.imul(key.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= key.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
