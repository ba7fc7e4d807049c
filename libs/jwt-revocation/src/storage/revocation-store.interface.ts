import { Inject } from '@nestjs/common';

/** Why something was revoked. Free-form strings are accepted too, for app-specific reasons. */
export type RevocationReason =
  | 'logout'
  | 'logout_all'
  | 'password_change'
  | 'role_change'
  | 'account_deleted'
  | 'account_suspended'
  | 'session_timeout'
  | 'compromised'
  | 'suspicious_activity'
  | 'refresh_reuse'
  | 'admin'
  | (string & {});

/** What a revocation targets. `ip` ends every session seen from an address. */
export type RevocationTarget =
  | { kind: 'jti'; jti: string; expiresAt: number }
  | { kind: 'session'; sessionId: string }
  | { kind: 'user'; subject: string }
  | { kind: 'global' }
  | { kind: 'ip'; ip: string };

/** A revocation as the store is asked to record it. Times in ms since the epoch. */
export interface RevocationCommand {
  target: RevocationTarget;
  reason: RevocationReason;
  actor?: string | null;
  at: number;
  /** How long tokens outlive their session: a session denial is kept this long past the session's end. */
  tokenLifetimeMs: number;
  /** The longest a session can last: how long the denial of an unknown session is kept. */
  sessionLifetimeMs: number;
}

/**
 * One change of the revocation state, in the order the store recorded it (`seq` grows).
 * - `jti` / `session`: deny `target` until `expiresAt`.
 * - `user` / `global`: tokens whose version claim is below `version` are revoked, and so are
 *   tokens without version claims issued at or before `at`.
 * - `session-open`: a new session (`target`) that allowlist mode accepts until `expiresAt`.
 */
export interface RevocationChange {
  seq: number;
  kind: 'jti' | 'session' | 'user' | 'global' | 'session-open';
  target: string;
  version: number;
  expiresAt: number;
  /** `user` and `global` only: when the revocation was recorded (ms, the command's `at`). */
  at?: number;
}

/** The result of a revocation: how many tokens or sessions it ended, and the changes to apply. */
export interface RevocationOutcome {
  count: number;
  changes: RevocationChange[];
}

/** Everything an instance needs to check tokens without touching the store. */
export interface RevocationSnapshot {
  /**
   * Unexpired `jti`, `session` (and `session-open`) changes, in batches that adapters may read from
   * the database as they are consumed, so that millions of them never sit in memory at once.
   * Iterate it once.
   */
  changes: AsyncIterable<RevocationChange[]>;
  /** Every user revoked wholesale: version, and when it was last raised (ms; 0 when unknown). */
  userVersions: [subject: string, version: number, revokedAt: number][];
  globalVersion: number;
  /** When the global version was last raised (ms; 0 when never or unknown). */
  globalRevokedAt: number;
  /** The highest `seq` included: polling continues from here. */
  cursor: number;
}

/** What `loadSnapshot` reads. */
export interface SnapshotOptions {
  /** Include `session-open` changes (default true). */
  openSessions?: boolean;
}

/** One line of the audit trail. */
export interface AuditEntry {
  id: number;
  kind: RevocationTarget['kind'];
  target: string;
  reason: string;
  actor: string | null;
  count: number;
  createdAt: number;
}

export interface AuditQuery {
  limit: number;
  /** Only entries with an id below this (for paging, newest first). */
  beforeId?: number;
  kind?: AuditEntry['kind'];
  target?: string;
}

/** A login session and its refresh-token family. Times in ms since the epoch. */
export interface SessionRecord {
  id: string;
  subject: string;
  roles: string[];
  createdAt: number;
  lastSeenAt: number;
  /** Absolute end of the session. */
  expiresAt: number;
  ip: string | null;
  lastIp: string | null;
  userAgent: string | null;
  userVersion: number;
  globalVersion: number;
  /** `jti` of the one refresh token that may be used next. */
  refreshJti: string;
  refreshIssuedAt: number;
  refreshExpiresAt: number;
  /** `jti` of the refresh token rotated last, for the reuse grace window. */
  previousRefreshJti: string | null;
  rotatedAt: number | null;
  revokedAt: number | null;
  revokedReason: string | null;
}

/** The next refresh token of a session, written only if the presented one is still current. */
export interface RefreshRotation {
  sessionId: string;
  expectedJti: string;
  nextJti: string;
  issuedAt: number;
  expiresAt: number;
  at: number;
  ip: string | null;
}

/**
 * The storage port. Every method is durable when its promise resolves: a revocation that
 * returned is never lost, and `rotateRefresh` is an atomic compare-and-set.
 */
export interface RevocationStore {
  /** Creates the schema when the adapter manages its own (migrations run here). */
  init?(): Promise<void>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  /**
   * Unexpired revocations and versions as of `now`, plus the open sessions unless
   * `openSessions` is false (only allowlist mode needs them; denylist mode skips reading them).
   */
  loadSnapshot(now: number, options?: SnapshotOptions): Promise<RevocationSnapshot>;
  /** Changes with `seq > cursor`, oldest first, at most `limit`. */
  changesSince(cursor: number, limit: number): Promise<RevocationChange[]>;
  /** Records a revocation and its audit entry in one transaction. */
  revoke(command: RevocationCommand): Promise<RevocationOutcome>;
  /** Current user and global versions, for new sessions and refresh checks. */
  versions(subject: string): Promise<{ user: number; global: number }>;
  createSession(session: SessionRecord): Promise<RevocationChange>;
  findSession(id: string): Promise<SessionRecord | null>;
  /** Sessions of a subject that are not revoked and not past their absolute end. */
  listSessions(subject: string, now: number): Promise<SessionRecord[]>;
  /** Atomically replaces the current refresh `jti`; false when `expectedJti` was no longer current. */
  rotateRefresh(rotation: RefreshRotation): Promise<boolean>;
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Deletes revocations and sessions that can no longer matter. Safe to run on every instance at once. */
  purgeExpired(now: number): Promise<number>;
  close?(): Promise<void>;
}

/** DI token of the store port. */
export const RevocationStore = Symbol('RevocationStore');

/** Injects the configured `RevocationStore`. */
export const InjectRevocationStore = (): ParameterDecorator & PropertyDecorator =>
  Inject(RevocationStore);
