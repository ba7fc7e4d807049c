import type { RevocationChange, RevocationSnapshot } from '../storage/revocation-store.interface';
import type { BaseTokenClaims } from '../tokens/token.claims';
import { FingerprintSet } from './fingerprint.set';

/** Which rule rejected a token. */
export type RevocationVerdict = 'global' | 'user' | 'session' | 'token' | 'session-unknown';

/**
 * The in-process view of every live revocation: what each request is checked against, with no I/O.
 * Filled from a store snapshot at startup and kept current by every revocation and by polling.
 */
export class RevocationCache {
  private readonly deniedTokens = new FingerprintSet();
  private readonly deniedSessions = new FingerprintSet();
  private readonly openSessions = new FingerprintSet();
  private readonly userVersions = new Map<string, number>();
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

  /** Replaces the whole state with a snapshot. */
  load(snapshot: RevocationSnapshot): void {
    this.deniedTokens.clear();
    this.deniedSessions.clear();
    this.openSessions.clear();
    this.userVersions.clear();
    this.globalVersion = snapshot.globalVersion;
    for (const [subject, version] of snapshot.userVersions) this.userVersions.set(subject, version);
    for (const change of snapshot.changes) this.apply(change);
    this.loaded = true;
  }

  /** Applies one change. Idempotent, and order-independent for versions (they only grow). */
  apply(change: RevocationChange): void {
    switch (change.kind) {
      case 'jti':
        this.deniedTokens.add(change.target, change.expiresAt);
        break;
      case 'session':
        this.deniedSessions.add(change.target, change.expiresAt);
        break;
      case 'session-open':
        if (this.allowlist) this.openSessions.add(change.target, change.expiresAt);
        break;
      case 'user':
        if (change.version > (this.userVersions.get(change.target) ?? 0)) {
          this.userVersions.set(change.target, change.version);
        }
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
      const until = this.openSessions.expiry(claims.sid);
      if (until === undefined || until <= now) return 'session-unknown';
    }
    return undefined;
  }

  /** The user's current revocation version. */
  userVersion(subject: string): number {
    return this.userVersions.get(subject) ?? 0;
  }

  /** Drops entries whose tokens can no longer validate anyway. */
  purge(now: number): number {
    return (
      this.deniedTokens.purge(now) + this.deniedSessions.purge(now) + this.openSessions.purge(now)
    );
  }
}
