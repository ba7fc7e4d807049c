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
  /** Set by every hit, cleared when the eviction hand passes over the entry (second chance). */
  used: boolean;
  /** Position in the ring the eviction hand walks. */
  index: number;
}

/**
 * Estimated bytes an entry holds besides its token string and claims: the Map slot, the entry and
 * the claims object's own fields (measured by the bench's memory probe; see bench/README.md).
 */
const ENTRY_OVERHEAD_BYTES = 120;
/** Lookups per window of the hit rate that decides whether a full cache admits every new token. */
const WINDOW = 1024;
/**
 * While churning, a new token is admitted with this probability: at random, as a counter would
 * starve a token whose requests keep falling between two admissions.
 */
const CHURN_ADMISSION = 1 / 8;

/**
 * Access tokens that passed signature and claims verification, keyed on the exact token string (a
 * hash, prefix or decoded form could map a forged or different token onto cached claims), bounded
 * in entries and estimated bytes. Eviction is second-chance (CLOCK): a hit only sets a flag, so
 * lookups never reorder anything, and a hand walks a ring of the tokens, evicting the first one not
 * used since it last passed (evicting the oldest entry of a Map instead would skip the holes its
 * deletions leave, a cost that grows with the churn). A flood of tokens seen once is evicted before
 * the tokens in use. While the cache is full and most lookups miss (every request a new token),
 * a new token is admitted with a chance of one in 8: evicting for tokens that will not come back is pure cost, and
 * a token that does come back is admitted after a few requests. Only successes are stored; the
 * caller re-checks every time-dependent claim on each hit.
 */
export class VerifiedTokenCache {
  private readonly slots = new Map<string, Slot>();
  private ring: (string | undefined)[] = [];
  private free: number[] = [];
  private hand = 0;
  private totalBytes = 0;
  private lookups = 0;
  private hits = 0;
  private churning = false;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  /** Estimated bytes held (token strings, claims and per-entry overhead). */
  get bytes(): number {
    return this.totalBytes;
  }

  get(token: string): VerifiedToken | undefined {
    const slot = this.slots.get(token);
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
    const full = this.slots.size >= this.maxEntries || this.totalBytes + bytes > this.maxBytes;
    if (full && this.churning && Math.random() >= CHURN_ADMISSION) return;
    this.delete(token);
    while (this.slots.size >= this.maxEntries || this.totalBytes + bytes > this.maxBytes)
      this.evictOne();
    const index = this.free.pop() ?? this.ring.length;
    this.ring[index] = token;
    this.slots.set(token, { claims, key, bytes, used: false, index });
    this.totalBytes += bytes;
  }

  delete(token: string): void {
    const slot = this.slots.get(token);
    if (!slot) return;
    this.slots.delete(token);
    this.ring[slot.index] = undefined;
    this.free.push(slot.index);
    this.totalBytes -= slot.bytes;
  }

  /** Drops every token `key` verified. */
  deleteKey(key: RingKey): void {
    for (const [token, slot] of this.slots) if (slot.key === key) this.delete(token);
  }

  clear(): void {
    this.slots.clear();
    this.ring = [];
    this.free = [];
    this.hand = 0;
    this.totalBytes = 0;
  }

  /** Called only while an entry is held, so the hand finds one within two turns of the ring. */
  private evictOne(): void {
    for (;;) {
      if (this.hand >= this.ring.length) this.hand = 0;
      const token = this.ring[this.hand++];
      if (token === undefined) continue;
      const slot = this.slots.get(token)!;
      if (slot.used) slot.used = false;
      else return this.delete(token);
    }
  }
}
