import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../clock';
import { RevocationCache } from '../revocation/revocation.cache';
import type { RevocationChange } from '../storage/revocation-store.interface';
import type { AccessTokenClaims } from '../tokens/token.claims';

/**
 * Why a live connection was ended by the library. `claims_changed`: the user's claims changed
 * (`changeClaims`); the session lives on, so the client refreshes its token and reconnects.
 */
export type LiveCloseReason = 'token_revoked' | 'token_expired' | 'claims_changed';

/** WebSocket close code the library uses when it ends a connection (4000-4999: private use, RFC 6455 §7.4.2). */
export const LIVE_CLOSE_CODE = 4401;

/** A registered connection: its current claims, and how to end it. */
export interface LiveConnection {
  /** The claims of the token the connection currently runs on. */
  readonly claims: AccessTokenClaims;
  /**
   * Switches the connection to a newer token of the same subject (in-band re-authentication),
   * which moves its expiry. Returns `false`, changing nothing, when the subject differs.
   */
  renew(claims: AccessTokenClaims): boolean;
  /** Forgets the connection (call it when the client disconnects). Idempotent. */
  unregister(): void;
  /**
   * Checks the token against the revocations and its expiry now, before a message goes out: `false`
   * when the connection has ended, or its token is revoked or expired (it is then closed at once,
   * ahead of the registry's sweep).
   */
  recheck(): boolean;
}

/** Longest delay `setTimeout` accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Connections checked (and closed) per turn of the event loop when a revocation reaches many. */
const SWEEP_CHUNK = 256;

class Entry implements LiveConnection {
  timer?: NodeJS.Timeout;
  closed = false;
  queued = false;

  constructor(
    private readonly registry: LiveConnectionRegistry,
    public claims: AccessTokenClaims,
    readonly close: (reason: LiveCloseReason) => void,
  ) {}

  renew(claims: AccessTokenClaims): boolean {
    if (this.closed || claims.sub !== this.claims.sub) return false;
    this.registry.reindex(this, claims);
    return true;
  }

  unregister(): void {
    this.registry.remove(this);
  }

  recheck(): boolean {
    return this.registry.recheck(this);
  }
}

/**
 * Every authenticated WebSocket and SSE stream of this instance, indexed by `jti`, `sid` and `sub`.
 * When a revocation reaches the cache (a local call, a transport message or a poll), the connections
 * it may concern are queued, then checked against the cache and the revoked ones closed, a chunk per
 * turn of the event loop: the revocation's answer and announcement never wait for thousands of
 * closes, and requests are served in between. Until its close, a revoked connection is refused by the
 * per-message checks (`LiveSocketGuard`, `recheck`), which read the cache. A connection is also
 * closed when its token expires, unless it was renewed first.
 */
@Injectable()
export class LiveConnectionRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger('JwtRevocation');
  private readonly all = new Set<Entry>();
  private readonly byToken = new Map<string, Set<Entry>>();
  private readonly bySession = new Map<string, Set<Entry>>();
  private readonly bySubject = new Map<string, Set<Entry>>();
  private queue: Entry[] = [];
  private queueHead = 0;
  private drain?: NodeJS.Immediate;

  constructor(
    @Inject(RevocationCache) private readonly cache: RevocationCache,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    cache.subscribe({
      changed: (change) => this.changed(change),
      reloaded: () => this.enqueue(this.all),
    });
  }

  /** How many connections are open on this instance. */
  get size(): number {
    return this.all.size;
  }

  /**
   * Registers a connection authenticated with `claims` (already verified and checked).
   * `close` is called at most once, when the token is revoked or expires; the connection is then
   * forgotten.
   */
  register(claims: AccessTokenClaims, close: (reason: LiveCloseReason) => void): LiveConnection {
    const entry = new Entry(this, claims, close);
    this.all.add(entry);
    this.index(entry);
    return entry;
  }

  onApplicationShutdown(): void {
    // Shutting down anyway: revoked connections still get their close code, not a server close.
    clearImmediate(this.drain);
    this.drain = undefined;
    while (this.queueHead < this.queue.length) this.sweepChunk();
    for (const entry of this.all) clearTimeout(entry.timer);
  }

  /** @internal */
  reindex(entry: Entry, claims: AccessTokenClaims): void {
    this.unindex(entry);
    entry.claims = claims;
    this.index(entry);
  }

  /** @internal */
  remove(entry: Entry): void {
    if (!this.all.delete(entry)) return;
    entry.closed = true;
    this.unindex(entry);
  }

  /** @internal */
  recheck(entry: Entry): boolean {
    if (entry.closed) return false;
    const now = this.clock.now();
    if (entry.claims.exp * 1000 <= now) {
      this.end(entry, 'token_expired');
      return false;
    }
    return !this.closeIfRevoked(entry, now);
  }

  private changed(change: RevocationChange): void {
    switch (change.kind) {
      case 'jti':
        return this.enqueue(this.byToken.get(change.target));
      case 'session':
        return this.enqueue(this.bySession.get(change.target));
      case 'user':
      case 'claims':
        return this.enqueue(this.bySubject.get(change.target));
      case 'global':
        return this.enqueue(this.all);
    }
  }

  /**
   * Queues `entries` for the sweep, which starts on a later turn of the event loop. The verdict is
   * taken when an entry's turn comes, against the cache of that moment (a renewal meanwhile counts).
   */
  private enqueue(entries: Set<Entry> | undefined): void {
    if (!entries) return;
    for (const entry of entries) {
      if (entry.queued) continue;
      entry.queued = true;
      this.queue.push(entry);
    }
    this.scheduleSweep();
  }

  private scheduleSweep(): void {
    if (this.drain || this.queueHead === this.queue.length) return;
    this.drain = setImmediate(() => {
      this.drain = undefined;
      this.sweepChunk();
      this.scheduleSweep();
    });
  }

  /** Closes the revoked connections among the next `SWEEP_CHUNK` queued. */
  private sweepChunk(): void {
    const end = Math.min(this.queue.length, this.queueHead + SWEEP_CHUNK);
    const chunk = this.queue.slice(this.queueHead, end);
    this.queueHead = end;
    if (end === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    const now = this.clock.now();
    for (const entry of chunk) {
      entry.queued = false;
      this.closeIfRevoked(entry, now);
    }
  }

  /** Closes the connection when the cache now rejects its token; says whether it did. */
  private closeIfRevoked(entry: Entry, now: number): boolean {
    if (entry.closed) return false;
    const verdict = this.cache.check(entry.claims, now);
    if (!verdict) return false;
    this.end(entry, verdict === 'claims' ? 'claims_changed' : 'token_revoked');
    return true;
  }

  private end(entry: Entry, reason: LiveCloseReason): void {
    if (entry.closed) return;
    this.remove(entry);
    try {
      entry.close(reason);
    } catch (error) {
      // A failing close must not stop the revocation from reaching the other connections.
      this.logger.warn(`Could not close a live connection (${reason}): ${String(error)}`);
    }
  }

  private index(entry: Entry): void {
    const { jti, sid, sub, exp } = entry.claims;
    add(this.byToken, jti, entry);
    add(this.bySession, sid, entry);
    add(this.bySubject, sub, entry);
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, exp * 1000 - this.clock.now()));
    entry.timer = setTimeout(() => this.end(entry, 'token_expired'), delay);
    entry.timer.unref();
  }

  private unindex(entry: Entry): void {
    const { jti, sid, sub } = entry.claims;
    drop(this.byToken, jti, entry);
    drop(this.bySession, sid, entry);
    drop(this.bySubject, sub, entry);
    clearTimeout(entry.timer);
  }
}

function add(index: Map<string, Set<Entry>>, key: string, entry: Entry): void {
  const entries = index.get(key);
  if (entries) entries.add(entry);
  else index.set(key, new Set([entry]));
}

function drop(index: Map<string, Set<Entry>>, key: string, entry: Entry): void {
  const entries = index.get(key);
  if (!entries) return;
  entries.delete(entry);
  if (entries.size === 0) index.delete(key);
}
