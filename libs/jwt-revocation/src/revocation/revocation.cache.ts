import type { RevocationChange, RevocationSnapshot } from '../storage/revocation-store.interface';
import type { BaseTokenClaims } from '../tokens/token.claims';
import { FingerprintMap } from './fingerprint.map';

/** Which rule rejected a token. */
export type RevocationVerdict = 'global' | 'user' | 'session' | 'token' | 'session-unknown';

/** Expiries are kept in whole seconds, rounded up: an entry is never dropped before its token expired. */
const toSeconds = (ms: number) => Math.ceil(ms / 1000);

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
  private globalVersion = 0;
  private loaded = false;

  constructor(private readonly allowlist: boolean) {}

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
    for (const [subject, version] of snapshot.userVersions) {
      if (version > 0) next.userVersions.raise(subject, version);
    }
    for await (const batch of snapshot.changes) {
      for (const change of batch) next.apply(change);
    }
    this.deniedTokens = next.deniedTokens;
    this.deniedSessions = next.deniedSessions;
    this.openSessions = next.openSessions;
    this.userVersions = next.userVersions;
    this.globalVersion = next.globalVersion;
    this.loaded = true;
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
        break;
      case 'global':
        if (change.version > this.globalVersion) this.globalVersion = change.version;
        break;
    }
  }

  /** Why the token is revoked, or `undefined` when it is not. `now` in ms. */
  check(claims: BaseTokenClaims, now: number): RevocationVerdict | undefined {
    if (claims.gv < this.globalVersion) return 'global';
    const userVersion = this.userVersions.get(claims.sub);
    if (userVersion !== undefined && claims.uv < userVersion) return 'user';
    if (this.deniedSessions.has(claims.sid)) return 'session';
    if (this.deniedTokens.has(claims.jti)) return 'token';
    if (this.allowlist) {
      const until = this.openSessions.get(claims.sid);
      if (until === undefined || until * 1000 <= now) return 'session-unknown';
    }
    return undefined;
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
