/** Event type URIs this library receives and sends (OIDC Back-Channel Logout 1.0, CAEP 1.0, RISC 1.0). */
export const SignalEventTypes = {
  BackChannelLogout: 'http://schemas.openid.net/event/backchannel-logout',
  SessionRevoked: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  CredentialChange: 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  TokenClaimsChange: 'https://schemas.openid.net/secevent/caep/event-type/token-claims-change',
  AccountDisabled: 'https://schemas.openid.net/secevent/risc/event-type/account-disabled',
  AccountPurged: 'https://schemas.openid.net/secevent/risc/event-type/account-purged',
  SessionsRevoked: 'https://schemas.openid.net/secevent/risc/event-type/sessions-revoked',
} as const;

/**
 * A subject identifier (RFC 9493). `complex` combines a `user` and a `session`; formats this
 * library does not know are passed to the resolver as they came.
 */
export type SignalSubject =
  | { format: 'email'; email: string }
  | { format: 'iss_sub'; iss: string; sub: string }
  | { format: 'opaque'; id: string }
  | { format: 'complex'; user?: SignalSubject; session?: SignalSubject }
  | { format: string; [member: string]: unknown };

/** Parses an RFC 9493 subject identifier; `undefined` when it is not one. */
export function parseSubject(value: unknown, depth = 0): SignalSubject | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const text = (key: string) => typeof v[key] === 'string' && (v[key] as string).length > 0;
  // Drafts before SSF 1.0 named the member `subject_type`, with `iss-sub` for `iss_sub`.
  const raw = v.format ?? v.subject_type;
  const format = raw === 'iss-sub' ? 'iss_sub' : raw;
  switch (format) {
    case 'email':
      return text('email') ? { format, email: v.email as string } : undefined;
    case 'iss_sub':
      return text('iss') && text('sub')
        ? { format, iss: v.iss as string, sub: v.sub as string }
        : undefined;
    case 'opaque':
      return text('id') ? { format, id: v.id as string } : undefined;
    case 'complex': {
      if (depth > 0) return undefined;
      const user = v.user === undefined ? undefined : parseSubject(v.user, 1);
      const session = v.session === undefined ? undefined : parseSubject(v.session, 1);
      if ((v.user !== undefined && !user) || (v.session !== undefined && !session))
        return undefined;
      return user || session ? { format, user, session } : undefined;
    }
    default:
      return typeof format === 'string' && format.length > 0
        ? ({ ...v, format } as SignalSubject)
        : undefined;
  }
}

/** A short printable form of a subject, for the audit trail. */
export function describeSubject(subject: SignalSubject): string {
  switch (subject.format) {
    case 'email':
      return `email:${String(subject.email)}`;
    case 'iss_sub':
      return `iss_sub:${String(subject.iss)}|${String(subject.sub)}`;
    case 'opaque':
      return `opaque:${String(subject.id)}`;
    case 'complex': {
      const s = subject as { user?: SignalSubject; session?: SignalSubject };
      return [s.user && describeSubject(s.user), s.session && describeSubject(s.session)]
        .filter(Boolean)
        .join(' + ');
    }
    default:
      return subject.format;
  }
}
