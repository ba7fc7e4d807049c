import type { RingKey } from './key-ring';
import type { AccessTokenClaims } from './token.claims';

/** What a verified access token left behind: its claims and what must be checked again on every use. */
export interface VerifiedToken {
  readonly claims: AccessTokenClaims;
  /** The key that verified it: the entry goes when that key leaves the ring. */
  readonly key: RingKey;
  readonly bytes: number;
}

interface Slot extends VerifiedToken {
  readonly token: string;
  /** Set by every hit, cleared when the eviction hand passes over the entry (second chance). */
  used: boolean;
  /** Position in the ring the eviction hand walks. */
  index: number;
  /** The next entry whose token ends the same way (a bucket's chain). */
  next: Slot | undefined;
}

/**
 * Estimated bytes an entry holds besides its token string and claims: the bucket's Map slot, the
 * entry and the claims object's own fields (measured by the bench's memory probe: 100k tokens took
 * 56.5 MB, against 52.2 MB estimated with 120 bytes here; see bench/README.md).
 */
const ENTRY_OVERHEAD_BYTES = 165;
/** Lookups per window of the hit rate that decides whether a full cache admits every new token. */
const WINDOW = 1024;
/** Characters at the end of a token that choose its bucket: 96 bits of its signature. */
const TAIL = 16;
/** Bits of the doorkeeper per entry the cache may hold (two are set per token). */
const DOOR_BITS_PER_ENTRY = 8;
/** The doorkeeper's largest size: 2^24 bits (2 MB), for caches of more than 2M entries. */
const DOOR_MAX_BITS = 2 ** 24;

/**
 * Access tokens that passed signature and claims verification, keyed on the exact token string (a
 * hash, prefix or decoded form could map a forged or different token onto cached claims), bounded
 * in entries and estimated bytes. Eviction is second-chance (CLOCK): a hit only sets a flag, so
 * lookups never reorder anything, and a hand walks a ring of the tokens, evicting the first one not
 * used since it last passed (evicting the oldest entry of a Map instead would skip the holes its
 * deletions leave, a cost that grows with the churn). A flood of tokens seen once is evicted before
 * the tokens in use. While the cache is full and most lookups miss (every request a new token),
 * a new token is admitted only when it comes back: on its second miss within the last `maxEntries`
 * misses (a doorkeeper, as in TinyLFU: a bitmap of 8 bits per entry, two set per token, cleared
 * after `maxEntries` marks). Evicting for tokens that will not come back is pure cost, and storing
 * them leaves garbage for the collector; a token that does come back is admitted on its second
 * request. Only successes are stored; the caller re-checks every time-dependent claim on each hit.
 *
 * Tokens are found by their last 16 characters (their signature's, which nobody can choose without
 * the key), hashed with a random seed, then compared whole: a `Map` keyed on the string would hash
 * all of it on every request, as a token arrives in a new string each time (about 400 ns for a
 * 250-character token on Node 20, the most expensive step of a hit).
 */
export class VerifiedTokenCache {
  private readonly buckets = new Map<number, Slot>();
  private readonly seed = (Math.random() * 2 ** 32) >>> 0;
  private count = 0;
  private ring: (Slot | undefined)[] = [];
  private free: number[] = [];
  private hand = 0;
  private totalBytes = 0;
  private lookups = 0;
  private hits = 0;
  private churning = false;
  private door: Uint32Array | undefined;
  private doorMarks = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Estimated bytes held (token strings, claims and per-entry overhead). */
  get bytes(): number {
    return this.totalBytes;
  }

  get(token: string): VerifiedToken | undefined {
    let slot = this.buckets.get(this.bucketOf(token));
    while (slot !== undefined && slot.token !== token) slot = slot.next;
    if (slot) {
      slot.used = true;
      this.hits++;
    }
    if (++this.lookups === WINDOW) {
      this.churning = this.hits * 2 < WINDOW;
      this.lookups = this.hits = 0;
    }
    return slot;
  }

  /** Stores a verified token; `payloadLength` is the length of its encoded payload segment. */
  set(token: string, claims: AccessTokenClaims, key: RingKey, payloadLength: number): void {
    if (this.maxEntries === 0) return;
    // base64url carries 3 bytes per 4 characters; a parsed claim costs about as much as its JSON.
    const bytes = token.length + Math.ceil((payloadLength * 3) / 4) + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    const full = this.count >= this.maxEntries || this.totalBytes + bytes > this.maxBytes;
    const bucket = this.bucketOf(token);
    if (full && this.churning && !this.seenRecently(bucket)) return;
    this.remove(token, bucket);
    while (this.count >= this.maxEntries || this.totalBytes + bytes > this.maxBytes)
      this.evictOne();
    const index = this.free.pop() ?? this.ring.length;
    const slot: Slot = {
      token,
      claims,
      key,
      bytes,
      used: false,
      index,
      next: this.buckets.get(bucket),
    };
    this.buckets.set(bucket, slot);
    this.ring[index] = slot;
    this.count++;
    this.totalBytes += bytes;
  }

  delete(token: string): void {
    this.remove(token, this.bucketOf(token));
  }

  /** Drops every token `key` verified. */
  deleteKey(key: RingKey): void {
    for (const slot of this.ring) if (slot?.key === key) this.delete(slot.token);
  }

  clear(): void {
    this.buckets.clear();
    this.count = 0;
    this.ring = [];
    this.free = [];
    this.hand = 0;
    this.totalBytes = 0;
    this.door = undefined;
    this.doorMarks = 0;
  }

  /** Whether the doorkeeper marked `hash` since it was last cleared; marks it if not. */
  private seenRecently(hash: number): boolean {
    const door = (this.door ??= new Uint32Array(doorBits(this.maxEntries) >>> 5));
    const mask = door.length * 32 - 1;
    const a = hash & mask;
    const b = (Math.imul(hash ^ (hash >>> 13), 0x85ebca6b) >>> 2) & mask;
    if ((door[a >>> 5] & (1 << (a & 31))) !== 0 && (door[b >>> 5] & (1 << (b & 31))) !== 0) {
      return true;
    }
    if (++this.doorMarks > this.maxEntries) {
      door.fill(0);
      this.doorMarks = 1;
    }
    door[a >>> 5] |= 1 << (a & 31);
    door[b >>> 5] |= 1 << (b & 31);
    return false;
  }

  private remove(token: string, bucket: number): void {
    let previous: Slot | undefined;
    let slot = this.buckets.get(bucket);
    while (slot !== undefined && slot.token !== token) {
      previous = slot;
      slot = slot.next;
    }
    if (!slot) return;
    if (previous) previous.next = slot.next;
    else if (slot.next) this.buckets.set(bucket, slot.next);
    else this.buckets.delete(bucket);
    this.ring[slot.index] = undefined;
    this.free.push(slot.index);
    this.count--;
    this.totalBytes -= slot.bytes;
  }

  /** Called only while an entry is held, so the hand finds one within two turns of the ring. */
  private evictOne(): void {
    for (;;) {
      if (this.hand >= this.ring.length) this.hand = 0;
      const slot = this.ring[this.hand++];
      if (slot === undefined) continue;
      if (slot.used) slot.used = false;
      else return this.delete(slot.token);
    }
  }

  /** A Smi from the seed, the length and the last `TAIL` characters. */
  private bucketOf(token: string): number {
    const length = token.length;
    let h = this.seed ^ length;
    for (let i = length > TAIL ? length - TAIL : 0; i < length; i++) {
      h = Math.imul(h ^ token.charCodeAt(i), 0x9e3779b1);
    }
    return (h ^ (h >>> 15)) & 0x3fffffff;
  }
}

/** A power of two of at least `DOOR_BITS_PER_ENTRY` bits per entry, from 1,024 to `DOOR_MAX_BITS`. */
function doorBits(maxEntries: number): number {
  let bits = 1024;
  while (bits < maxEntries * DOOR_BITS_PER_ENTRY && bits < DOOR_MAX_BITS) bits *= 2;
  return bits;
}
