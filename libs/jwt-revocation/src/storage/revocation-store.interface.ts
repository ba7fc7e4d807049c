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

/**
 * What a revocation targets. `ip` ends every session seen from an address. `claims` ends no
 * session: it refuses the user's access tokens minted before it, and the next refresh of each
 * session mints tokens with the user's current claims.
 */
export type RevocationTarget =
  | { kind: 'jti'; jti: string; expiresAt: number }
  | { kind: 'session'; sessionId: string }
  | { kind: 'user'; subject: string }
  | { kind: 'global' }
  | { kind: 'ip'; ip: string }
  | { kind: 'claims'; subject: string };

/**
 * A caller's transaction for a revocation to join (with `TypeOrmRevocationStore`: the
 * `EntityManager` of a running TypeORM transaction). Opaque to everything but the store.
 */
export type RevocationTransaction = object;

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
  /**
   * Count what the revocation ended (default true). When false, a user-wide, global or claims
   * revocation reads nothing that grows with the sessions it ends (it is one version write and one
   * change-log row), and its outcome's and audit entry's `count` are null. Other kinds count anyway:
   * they read each session they end.
   */
  count?: boolean;
}

/**
 * One change of the revocation state, in the order the store recorded it (`seq` grows).
 * - `jti` / `session`: deny `target` until `expiresAt`.
 * - `user` / `global`: tokens whose version claim is below `version` are revoked, and so are
 *   tokens without version claims issued at or before `at`.
 * - `claims`: access tokens of user `target` whose claims version (`cv`) is below `version` are
 *   refused until refreshed, and so are its tokens without `cv` issued at or before `at`.
 * - `session-open`: a new session (`target`) that allowlist mode accepts until `expiresAt`.
 */
export interface RevocationChange {
  seq: number;
  kind: 'jti' | 'session' | 'user' | 'global' | 'claims' | 'session-open';
  target: string;
  version: number;
  expiresAt: number;
  /** `user`, `global` and `claims` only: when the revocation was recorded (ms, the command's `at`). */
  at?: number;
}

/**
 * The result of a revocation: how many tokens or sessions it ended (null when not counted), and
 * the changes to apply.
 */
export interface RevocationOutcome {
  count: number | null;
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
  /**
   * Every user whose claims changed: claims version, and when it was last raised (ms). Absent from
   * stores written before claims versions: no claims change then.
   */
  claimsVersions?: [subject: string, version: number, changedAt: number][];
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
  /** What the revocation ended; null when it was made with `count: false`. */
  count: number | null;
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
  /** The user's claims version that `roles` reflect: access tokens carry it as `cv`. */
  claimsVersion: number;
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
  /** New roles for the session (after a claims change), with the claims version they reflect. */
  claims?: { roles: string[]; version: number };
}

/** The user's current versions: wholesale revocation (`user`, `global`) and claims (`claims`). */
export interface RevocationVersions {
  user: number;
  global: number;
  /** 0 when absent (stores written before claims versions). */
  claims?: number;
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
  /**
   * Records a revocation and its audit entry in one transaction: the store's own, or the caller's
   * `transaction` when given (stores that support it; others throw). Changes recorded in a caller's
   * transaction are in the change log once it commits, and never when it rolls back.
   */
  revoke(
    command: RevocationCommand,
    transaction?: RevocationTransaction,
  ): Promise<RevocationOutcome>;
  /**
   * Runs `action` once `transaction` has committed, and never if it rolls back. Implemented by
   * stores that accept a caller's transaction in `revoke`.
   */
  afterCommit?(transaction: RevocationTransaction, action: () => Promise<void>): void;
  /** Current user, global and claims versions, for new sessions and refresh checks. */
  versions(subject: string): Promise<RevocationVersions>;
  createSession(session: SessionRecord): Promise<RevocationChange>;
  findSession(id: string): Promise<SessionRecord | null>;
  /** Sessions of a subject that are not revoked and not past their absolute end. */
  listSessions(subject: string, now: number): Promise<SessionRecord[]>;
  /**
   * Atomically replaces the current refresh `jti` (and the session's roles and claims version when
   * `claims` is given); false when `expectedJti` was no longer current.
   */
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
