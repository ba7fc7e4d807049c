import type { RevocationChange, RevocationSnapshot } from '../storage/revocation-store.interface';
import type { RevocableClaims } from '../tokens/token.claims';
import { FingerprintMap } from './fingerprint.map';

/** Which rule rejected a token. `claims`: the user's claims changed since it was minted (refresh it). */
export type RevocationVerdict =
  'global' | 'user' | 'session' | 'token' | 'session-unknown' | 'claims';

/** Told of every change applied to the cache, and of every full reload (which may bring many). */
export interface RevocationCacheListener {
  changed(change: RevocationChange): void;
  reloaded(): void;
}

/** Expiries are kept in whole seconds, rounded up: an entry is never dropped before its token expired. */
const toSeconds = (ms: number) => Math.ceil(ms / 1000);
/** Revocation times are kept in whole seconds, rounded down, and compared with `iat` (also whole seconds). */
const toWholeSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The in-process view of every live revocation: what each request is checked against, with no I/O.
 * Filled from a store snapshot at startup and kept current by every revocation and by polling.
 */
export class RevocationCache {
  /** jti -> expiry (s). */
  private deniedTokens = new FingerprintMap();
  /** sid -> expiry (s). */
  private deniedSessions = new FingerprintMap();
  /** sid -> session end (s), allowlist mode only. */
  private openSessions = new FingerprintMap();
  /** sub -> revocation version. */
  private userVersions = new FingerprintMap();
  /** sub -> time of the latest user-wide revocation (s), for tokens that carry no versions. */
  private userRevokedAt = new FingerprintMap();
  /** sub -> claims version. */
  private claimsVersions = new FingerprintMap();
  /** sub -> time of the latest claims change (s), for tokens that carry no `cv`. */
  private claimsChangedAt = new FingerprintMap();
  private globalVersion = 0;
  private globalRevokedAt = 0;
  private loaded = false;
  private readonly listeners: RevocationCacheListener[] = [];

  constructor(private readonly allowlist: boolean) {}

  /** Adds a listener; the request path (`check`) never calls listeners. */
  subscribe(listener: RevocationCacheListener): void {
    this.listeners.push(listener);
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  get size(): { tokens: number; sessions: number; users: number; openSessions: number } {
    return {
      tokens: this.deniedTokens.size,
      sessions: this.deniedSessions.size,
      users: this.userVersions.size,
      openSessions: this.openSessions.size,
    };
  }

  /**
   * Replaces the whole state with a snapshot. The new state is built aside, batch by batch as the
   * store reads it, and swapped in at the end: checks keep the previous state until then.
   */
  async load(snapshot: RevocationSnapshot): Promise<void> {
    const next = new RevocationCache(this.allowlist);
    next.globalVersion = snapshot.globalVersion;
    next.globalRevokedAt = toWholeSeconds(snapshot.globalRevokedAt);
    for (const [subject, version, revokedAt] of snapshot.userVersions) {
      if (version > 0) next.userVersions.raise(subject, version);
      if (revokedAt > 0) next.userRevokedAt.raise(subject, toWholeSeconds(revokedAt));
    }
    for (const [subject, version, changedAt] of snapshot.claimsVersions ?? []) {
      if (version > 0) next.claimsVersions.raise(subject, version);
      if (changedAt > 0) next.claimsChangedAt.raise(subject, toWholeSeconds(changedAt));
    }
    for await (const batch of snapshot.changes) {
      for (const change of batch) next.apply(change);
    }
    this.deniedTokens = next.deniedTokens;
    this.deniedSessions = next.deniedSessions;
    this.openSessions = next.openSessions;
    this.userVersions = next.userVersions;
    this.userRevokedAt = next.userRevokedAt;
    this.claimsVersions = next.claimsVersions;
    this.claimsChangedAt = next.claimsChangedAt;
    this.globalVersion = next.globalVersion;
    this.globalRevokedAt = next.globalRevokedAt;
    this.loaded = true;
    for (const listener of this.listeners) listener.reloaded();
  }

  /** Applies one change. Idempotent, and order-independent (expiries and versions only grow). */
  apply(change: RevocationChange): void {
    switch (change.kind) {
      case 'jti':
        this.deniedTokens.raise(change.target, toSeconds(change.expiresAt));
        break;
      case 'session':
        this.deniedSessions.raise(change.target, toSeconds(change.expiresAt));
        break;
      case 'session-open':
        if (this.allowlist) this.openSessions.raise(change.target, toSeconds(change.expiresAt));
        break;
      case 'user':
        if (change.version > 0) this.userVersions.raise(change.target, change.version);
        if (change.at) this.userRevokedAt.raise(change.target, toWholeSeconds(change.at));
        break;
      case 'claims':
        if (change.version > 0) this.claimsVersions.raise(change.target, change.version);
        if (change.at) this.claimsChangedAt.raise(change.target, toWholeSeconds(change.at));
        break;
      case 'global':
        if (change.version > this.globalVersion) this.globalVersion = change.version;
        if (change.at) {
          this.globalRevokedAt = Math.max(this.globalRevokedAt, toWholeSeconds(change.at));
        }
        break;
    }
    for (const listener of this.listeners) listener.changed(change);
  }

  /** Why the token is revoked, or `undefined` when it is not. `now` in ms. */
  check(claims: RevocableClaims, now: number): RevocationVerdict | undefined {
    if (typeof claims.uv === 'number' && typeof claims.gv === 'number') {
      if (claims.gv < this.globalVersion) return 'global';
      const userVersion = this.userVersions.get(claims.sub);
      if (userVersion !== undefined && claims.uv < userVersion) return 'user';
    } else {
      // Signed without versions (before the app adopted the library): revoked by time, to the
      // second and conservatively: a token of the revocation's own second is revoked too.
      const issued = typeof claims.iat === 'number' ? claims.iat : -Infinity;
      if (this.globalRevokedAt > 0 && issued <= this.globalRevokedAt) return 'global';
      const userRevokedAt = this.userRevokedAt.get(claims.sub);
      if (userRevokedAt !== undefined && issued <= userRevokedAt) return 'user';
    }
    if (typeof claims.sid === 'string' && this.deniedSessions.has(claims.sid)) return 'session';
    if (typeof claims.jti === 'string' && this.deniedTokens.has(claims.jti)) return 'token';
    if (this.allowlist) {
      const until = typeof claims.sid === 'string' ? this.openSessions.get(claims.sid) : undefined;
      if (until === undefined || until * 1000 <= now) return 'session-unknown';
    }
    return this.claimsOutdated(claims) ? 'claims' : undefined;
  }

  /** Minted before the user's latest claims change: by `cv` when the token has one, else by time (to the second, conservatively). */
  private claimsOutdated(claims: RevocableClaims): boolean {
    if (typeof claims.cv === 'number') {
      const version = this.claimsVersions.get(claims.sub);
      return version !== undefined && claims.cv < version;
    }
    const changedAt = this.claimsChangedAt.get(claims.sub);
    const issued = typeof claims.iat === 'number' ? claims.iat : -Infinity;
    return changedAt !== undefined && issued <= changedAt;
  }

  /** The user's current revocation version. */
  userVersion(subject: string): number {
    return this.userVersions.get(subject) ?? 0;
  }

  /** Drops entries whose tokens can no longer validate anyway. */
  purge(now: number): number {
    const expired = Math.floor(now / 1000);
    return (
      this.deniedTokens.removeAtMost(expired) +
      this.deniedSessions.removeAtMost(expired) +
      this.openSessions.removeAtMost(expired)
    );
  }
}
