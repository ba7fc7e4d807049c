import type { JwtAsymmetricKey } from '../jwt-revocation.options';
import type { SignalStore } from './signal-store.interface';
import type { SignalSubjectResolver } from './signal-subject.resolver';

/** An IdP or SSF transmitter whose tokens are accepted. */
export interface TrustedSignalIssuer {
  /** Exact `iss` of its tokens. */
  issuer: string;
  /** Its JWK Set (fetched, cached, refetched on an unknown `kid`). */
  jwksUri: string;
  /** What `aud` must contain: this app's client id at the IdP, or the SSF stream's audience. */
  audience: string | string[];
  /** Accepted signature algorithms. Default: RS256, PS256, ES256, EdDSA (never `none` nor HMAC). */
  algorithms?: string[];
}

/** A receiver the transmitter pushes SETs to (RFC 8935). */
export interface SetReceiverEndpoint {
  /** Stable name: keys its delivery cursor. At most 64 characters. */
  name: string;
  /** Push endpoint URL. */
  endpoint: string;
  /** `aud` of the SETs sent to it. */
  audience: string;
  /** `Authorization` header value to send, when the receiver asks for one. */
  authorization?: string;
}

/** Sending this app's revocations as SETs. */
export interface SetTransmitterOptions {
  /** `iss` of the SETs. Default: the module's `issuer` (required one way or the other). */
  issuer?: string;
  receivers: SetReceiverEndpoint[];
  /**
   * Asymmetric key the SETs are signed with, published by `SignalKeys.getJwks()`. Default: the
   * module's signing key; required when the module signs with an HS256 secret.
   */
  signingKey?: JwtAsymmetricKey;
  /** How often each receiver's backlog is looked at. Default 1 (second). */
  pollInterval?: number;
  /** First retry delay after a failed push, doubled per failure up to `maxRetryDelay`. Default 1. */
  retryDelay?: number;
  /** Default 300. */
  maxRetryDelay?: number;
  /** Lease on a receiver: another instance takes over this long after its sender stopped. Default 30. */
  leaseTtl?: number;
  /** Deadline of one push. Default 10. */
  pushTimeout?: number;
}

/**
 * Options of `JwtSignalsModule.forRoot()` / `forRootAsync()`. Durations in seconds. Needs
 * `JwtRevocationModule` in the app.
 */
export interface JwtSignalsModuleOptions {
  /** Maps the IdP's subjects onto local users and sessions. */
  resolver: SignalSubjectResolver;
  /**
   * Replay guard, audit trail and delivery cursors: `TypeOrmSignalStore` from
   * `nestjs-jwt-revocation/typeorm`. Default: in memory (one process, lost at restart).
   */
  store?: SignalStore;
  /** OIDC Back-Channel Logout 1.0: the IdPs whose logout tokens are accepted. */
  backChannelLogout?: TrustedSignalIssuer[];
  /** SSF push (RFC 8935): the transmitters whose SETs are accepted. */
  ssf?: TrustedSignalIssuer[];
  /** How old (`iat`) a logout token or SET may be. Default 300 for logout tokens and 86400 for SETs. */
  maxTokenAge?: { backChannelLogout?: number; ssf?: number };
  /** Leeway for `iat` and `exp`. Default 30. */
  clockTolerance?: number;
  /** Send revocations as SETs. Default: nothing is sent. */
  transmitter?: SetTransmitterOptions;
}
