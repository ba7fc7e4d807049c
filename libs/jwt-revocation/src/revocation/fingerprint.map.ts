import { randomBytes } from 'node:crypto';

const EMPTY = 0;
const MIN_CAPACITY = 1024;
/** Slot layout in one `Uint32Array`: two hash words and the value, side by side (one cache line per probe). */
const STRIDE = 3;
/** Slots per block of the presence filter: one 256-bit block (8 words) per 64 slots, 4 bits a slot. */
const SLOTS_PER_BLOCK = 64;

/**
 * A map from strings to positive 32-bit integers, kept as 64-bit keyed fingerprints in one flat
 * typed array: 12 bytes per slot instead of ~80 per entry for a `Map<string, number>`, nothing for
 * the garbage collector to trace, and one cache line per lookup. Two different strings share a
 * fingerprint with probability 2^-64 per pair, so a lookup may (practically never) find a string
 * that was not added; it never misses one that was.
 *
 * In front of the table sits a blocked Bloom filter of the same fingerprints (4 bits per slot, one
 * 32-byte block per lookup): 1 MB where the table of 1M entries takes 24 MB, so a key that is absent,
 * which is what nearly every request asks about, is answered from memory the CPU caches hold and
 * misses the table in all but a few per cent of lookups.
 */
export class FingerprintMap {
  private slots!: Uint32Array;
  private filter!: Uint32Array;
  private filterShift = 0;
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

  /** Sets `key` to `value` (1 to 2^32-1), or keeps the current value when it is larger. */
  raise(key: string, value: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    fingerprint(key, this.seedA, this.seedB);
    this.insert(fingerprintA, fingerprintB, clamp(value));
  }

  /** The value of `key`, or `undefined` when absent. */
  get(key: string): number | undefined {
    fingerprint(key, this.seedA, this.seedB);
    const a = fingerprintA;
    const b = fingerprintB;
    if (!this.mayHold(a, b)) return undefined;
    const slots = this.slots;
    for (let i = (a ^ b) & this.mask; ; i = (i + 1) & this.mask) {
      const at = i * STRIDE;
      const value = slots[at + 2];
      if (value === EMPTY) return undefined;
      if (slots[at] === a && slots[at + 1] === b) return value;
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Removes every entry whose value is at most `threshold`; returns how many. */
  removeAtMost(threshold: number): number {
    const before = this.count;
    this.rehash(this.mask + 1, threshold);
    return before - this.count;
  }

  clear(): void {
    this.allocate(MIN_CAPACITY);
  }

  private insert(a: number, b: number, value: number): void {
    const slots = this.slots;
    for (let i = (a ^ b) & this.mask; ; i = (i + 1) & this.mask) {
      const at = i * STRIDE;
      if (slots[at + 2] === EMPTY) {
        slots[at] = a;
        slots[at + 1] = b;
        slots[at + 2] = value;
        this.count++;
        this.remember(a, b);
        return;
      }
      if (slots[at] === a && slots[at + 1] === b) {
        if (value > slots[at + 2]) slots[at + 2] = value;
        return;
      }
    }
  }

  /** False when the filter proves the fingerprint absent: four bits of one block, chosen by `b`'s bytes. */
  private mayHold(a: number, b: number): boolean {
    const filter = this.filter;
    const block = (a >>> this.filterShift) << 3;
    return (
      (filter[block + ((b >>> 5) & 7)] & (1 << (b & 31))) !== 0 &&
      (filter[block + ((b >>> 13) & 7)] & (1 << ((b >>> 8) & 31))) !== 0 &&
      (filter[block + ((b >>> 21) & 7)] & (1 << ((b >>> 16) & 31))) !== 0 &&
      (filter[block + (b >>> 29)] & (1 << ((b >>> 24) & 31))) !== 0
    );
  }

  private remember(a: number, b: number): void {
    const filter = this.filter;
    const block = (a >>> this.filterShift) << 3;
    filter[block + ((b >>> 5) & 7)] |= 1 << (b & 31);
    filter[block + ((b >>> 13) & 7)] |= 1 << ((b >>> 8) & 31);
    filter[block + ((b >>> 21) & 7)] |= 1 << ((b >>> 16) & 31);
    filter[block + (b >>> 29)] |= 1 << ((b >>> 24) & 31);
  }

  private rehash(capacity: number, removeAtMost = EMPTY): void {
    const old = this.slots;
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    while (size > MIN_CAPACITY && this.liveIn(old, removeAtMost) * 4 < size) size /= 2;
    this.allocate(size);
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at + 2] > removeAtMost) this.insert(old[at], old[at + 1], old[at + 2]);
    }
  }

  private liveIn(slots: Uint32Array, removeAtMost: number): number {
    if (removeAtMost === EMPTY) return this.count;
    let live = 0;
    for (let at = 2; at < slots.length; at += STRIDE) if (slots[at] > removeAtMost) live++;
    return live;
  }

  private allocate(capacity: number): void {
    let size = MIN_CAPACITY;
    while (size < capacity) size *= 2;
    this.slots = new Uint32Array(size * STRIDE);
    const blocks = size / SLOTS_PER_BLOCK;
    this.filter = new Uint32Array(blocks * 8);
    this.filterShift = 32 - Math.log2(blocks);
    this.mask = size - 1;
    this.count = 0;
  }
}

function clamp(value: number): number {
  return Math.min(Math.max(Math.ceil(value), 1), 0xffffffff);
}

let fingerprintA = 0;
let fingerprintB = 0;

/**
 * MurmurHash3 (x86, 32-bit) over UTF-16 code units, with two seeds in one pass (the per-unit mixing
 * does not depend on the seed); the two hashes land in `fingerprintA`/`fingerprintB`, so a lookup
 * allocates nothing.
 */
function fingerprint(key: string, seedA: number, seedB: number): void {
  let a = seedA;
  let b = seedB;
  for (let i = 0; i < key.length; i++) {
    let k = Math.imul(key.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    a ^= k;
    a = (a << 13) | (a >>> 19);
    a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    b ^= k;
    b = (b << 13) | (b >>> 19);
    b = (Math.imul(b, 5) + 0xe6546b64) | 0;
  }
  fingerprintA = finalize(a, key.length);
  fingerprintB = finalize(b, key.length);
}

function finalize(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
