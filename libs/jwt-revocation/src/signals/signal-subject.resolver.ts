import type { SignalSubject } from './signal-events';

/** Where a subject comes from, for resolvers that trust issuers differently. */
export interface SignalSource {
  protocol: 'backchannel-logout' | 'ssf';
  /** `iss` of the logout token or SET. */
  issuer: string;
}

/**
 * Maps the IdP's subjects onto this app's users and sessions. The app implements it (e.g. by
 * email, or by the IdP's `sub` stored at federated login) and passes it as `resolver`.
 */
export interface SignalSubjectResolver {
  /**
   * The local user id (the `sub` of this app's tokens) a subject names, or `null` when no local
   * user matches. Back-channel logout gives `{ format: 'iss_sub', iss, sub }`.
   */
  resolveUser(subject: SignalSubject, source: SignalSource): Promise<string | null>;
  /**
   * Local session ids for an IdP session: the logout token's `sid` (as `{ format: 'opaque', id }`)
   * or the `session` of a complex SET subject. `user` is the resolved user, when one was named.
   * Without this method, or when it finds none, a session signal that also names a user ends all of
   * that user's sessions (the safe reading), and one that names only a session ends nothing.
   */
  resolveSessions?(
    session: SignalSubject,
    user: string | null,
    source: SignalSource,
  ): Promise<string[]>;
}
