import type {
  RevocationReason,
  RevocationTarget,
  RevocationTransaction,
} from '../storage/revocation-store.interface';

/**
 * Event names. Emit the trigger events from your own services (prefer `await emitter.emitAsync(...)`,
 * so your response goes out only once the revocation is durable); listen to `TokenRevoked`.
 */
export const JwtRevocationEvents = {
  /** Payload `PasswordChangedEvent`: every token of the user issued before now stops working. */
  PasswordChanged: 'jwt-revocation.password-changed',
  /**
   * Payload `RolesChangedEvent`: the user's access tokens (they carry the old roles) are refused
   * with `ClaimsChangedException`; sessions survive, and their next refresh carries the new roles
   * (see `claimsLoader`). Use `AccountSuspended` or `LoggedOutEverywhere` to end the sessions too.
   */
  RolesChanged: 'jwt-revocation.roles-changed',
  /** Payload `AccountEvent`: every token of the user stops working. */
  AccountSuspended: 'jwt-revocation.account-suspended',
  /** Payload `AccountEvent`: every token of the user stops working. */
  AccountDeleted: 'jwt-revocation.account-deleted',
  /** Payload `LoggedOutEvent`: one session ends. */
  LoggedOut: 'jwt-revocation.logged-out',
  /** Payload `AccountEvent`: every session of the user ends. */
  LoggedOutEverywhere: 'jwt-revocation.logged-out-everywhere',
  /** Payload `SuspiciousActivityEvent`: the named token, session, user and/or IP are revoked. */
  SuspiciousActivity: 'jwt-revocation.suspicious-activity',
  /** Payload `TokenRevocationRequestedEvent`: one token (`jti`) is revoked, e.g. on RFC 7009 revocation. */
  TokenRevocationRequested: 'jwt-revocation.token-revocation-requested',
  /** Payload `TokenRevokedEvent`: emitted by the library after every durable revocation. */
  TokenRevoked: 'jwt-revocation.token-revoked',
} as const;

export interface AccountEvent {
  userId: string;
  /** Who did it (an admin's id, `system`, ...). Recorded in the audit trail. */
  actor?: string;
  /**
   * Your running transaction (see `RevocationContext.transaction`): the revocation commits with
   * it, and takes effect only once it has.
   */
  transaction?: RevocationTransaction;
  /**
   * Count the sessions ended (default true; see `RevocationContext.count`). With `false`, the
   * revocation costs the same for one session or thousands, and its audit entry's and
   * `TokenRevoked` event's `count` are null.
   */
  count?: boolean;
}

export type PasswordChangedEvent = AccountEvent;

export interface RolesChangedEvent extends AccountEvent {
  roles?: string[];
}

export interface LoggedOutEvent {
  sessionId: string;
  userId?: string;
  actor?: string;
}

export interface SuspiciousActivityEvent {
  /** Recorded in the audit trail. Default `suspicious_activity`. */
  reason?: RevocationReason;
  userId?: string;
  sessionId?: string;
  jti?: string;
  /** `exp` of that token (seconds), so its denial is kept exactly as long as needed. */
  jtiExpiresAt?: number;
  ip?: string;
  detail?: string;
  actor?: string;
}

export interface TokenRevocationRequestedEvent {
  jti: string;
  /** The token's `exp` (seconds): bounds how long the denial is kept. */
  expiresAt?: number;
  /** Default `logout`. */
  reason?: RevocationReason;
  actor?: string;
}

export interface TokenRevokedEvent {
  target: RevocationTarget;
  reason: RevocationReason;
  actor: string | null;
  /** Sessions or tokens ended; null for a user-wide, global or claims revocation made with `count: false`. */
  count: number | null;
  at: number;
}
