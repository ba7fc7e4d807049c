import type {
  RevocationChange,
  RevocationCommand,
  SessionRecord,
} from './revocation-store.interface';

/** Whether a stored session may still be used, given the current revocation versions. */
export function isSessionActive(
  session: SessionRecord,
  versions: { user: number; global: number },
  now: number,
): boolean {
  return (
    session.revokedAt === null &&
    session.expiresAt > now &&
    session.userVersion >= versions.user &&
    session.globalVersion >= versions.global
  );
}

/** Until when a revoked session must stay denied: until its last access token has expired. */
export function sessionDenyUntil(
  session: SessionRecord | null,
  command: RevocationCommand,
): number {
  return session
    ? Math.max(session.expiresAt, command.at) + command.tokenLifetimeMs
    : command.at + command.sessionLifetimeMs + command.tokenLifetimeMs;
}

/** The audit `target` of a revocation command. */
export function auditTarget(command: RevocationCommand): string {
  const t = command.target;
  switch (t.kind) {
    case 'jti':
      return t.jti;
    case 'session':
      return t.sessionId;
    case 'user':
    case 'claims':
      return t.subject;
    case 'ip':
      return t.ip;
    case 'global':
      return '*';
  }
}

/** Version changes stay in the change log this long, for instances polling behind. */
export const VERSION_CHANGE_RETENTION_MS = 24 * 3600 * 1000;

/** Kinds of change that raise a version and carry their time (`at`); kept in the log for a while, not until an expiry. */
export const VERSION_KINDS: readonly RevocationChange['kind'][] = ['user', 'global', 'claims'];

/** The change, with `at` set when it raises a version (user-wide, global, claims). */
export function withTime(change: RevocationChange, at: number): RevocationChange {
  return VERSION_KINDS.includes(change.kind) ? { ...change, at } : change;
}
