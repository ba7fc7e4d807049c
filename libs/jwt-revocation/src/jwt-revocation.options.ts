import type { KeyObject } from 'node:crypto';
import type { OAuthClientOptions } from './clients/client.registry';
import type { RevocationStore } from './storage/revocation-store.interface';
import type { RevocationTransport } from './sync/revocation-transport.interface';

/** Signature algorithms the library signs and verifies. Anything else (including `none`) is refused. */
export type JwtAlgorithm = 'HS256' | 'ES256' | 'EdDSA' | 'RS256';

/** One asymmetric key of the key ring. Several may be configured at once for rotation. */
export interface JwtAsymmetricKey {
  /** Key id written to the `kid` header of tokens signed with this key. Required and unique. */
  kid: string;
  /** `ES256` (P-256), `EdDSA` (Ed25519) or `RS256` (RSA >= 2048 bits). */
  algorithm: Exclude<JwtAlgorithm, 'HS256'>;
  /** PEM or `KeyObject`. Only the key used for signing needs one. */
  privateKey?: string | KeyObject;
  /** PEM or `KeyObject`. Derived from `privateKey` when omitted. */
  publicKey?: string | KeyObject;
}

/** Where revocations and sessions are kept. */
export type RevocationMode = 'denylist' | 'allowlist';

/**
 * How much a refusal tells a client. `actionable` says only what a client can act on: the body's
 * `reason` code (see `RefusalReason`) and a description (expired: refresh or log in again; revoked:
 * log in again; otherwise invalid). `verbose` adds the detail (bad signature, unknown key, ...) to
 * the description, for development. `generic` sends neither: no `reason`, and every refused token
 * is just "invalid" (status, RFC 6750 error code and `Retry-After` stay).
 */
export type ErrorDetail = 'generic' | 'actionable' | 'verbose';

/** What protected routes do when the revocation cache cannot be trusted (not loaded, or stale). */
export type FailureMode = 'closed' | 'open';

/** A user's current claims, as `claimsLoader` returns them: what new access tokens carry. */
export interface LoadedClaims {
  roles: string[];
}

/**
 * Reads a user's current claims (e.g. roles from your users table) for the first refresh after
 * `RevocationService.changeClaims()`. `null` refuses the refresh (the user is gone: log in again).
 */
export type ClaimsLoader = (subject: string) => Promise<LoadedClaims | null> | LoadedClaims | null;

/** Bounds of the cache of verified access tokens; see `verifiedTokenCache`. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens kept. Default 10000. `0` turns the cache off. */
  maxEntries?: number;
  /** Most estimated bytes kept (token strings, claims, per-entry overhead). Default 16777216 (16 MB). */
  maxBytes?: number;
}

/**
 * Options of `JwtRevocationModule.forRoot()` / `forRootAsync()`.
 * Durations are in seconds.
 */
export interface JwtRevocationModuleOptions {
  /**
   * HS256 secret: a string (its UTF-8 bytes are the key), a Buffer or a secret `KeyObject`.
   * Refused when shorter than 32 bytes or obviously weak (few distinct bytes, a short repeated
   * pattern, a well-known example secret). Give either `secret` or `keys`.
   */
  secret?: string | Buffer | KeyObject;
  /** Asymmetric key ring. Tokens are signed with `signingKid` (default: the first key with a private key). */
  keys?: JwtAsymmetricKey[];
  /** `kid` of the key used to sign new tokens. Default: the first key that has a private key. */
  signingKid?: string;
  /** `iss` written to and required in every token. Default: none (not checked). */
  issuer?: string;
  /** `aud` written to and required in every token. Default: none (not checked). */
  audience?: string;
  /**
   * OAuth clients (RFC 6749 §2) the tokens are issued to, and who may revoke (RFC 7009) or
   * introspect (RFC 7662) them. Every access and refresh token carries its client's `client_id`
   * (RFC 9068 §2.2). Default: one public client, `first-party`, that may revoke its own tokens.
   */
  clients?: OAuthClientOptions[];
  /** `client_id` of the tokens issued without naming a client. Default: the first of `clients`. */
  defaultClientId?: string;
  /** Access-token lifetime. Default 900 (15 minutes). Tokens whose `exp - iat` exceeds it (plus `clockTolerance`) are refused. */
  accessTokenTtl?: number;
  /** Refresh-token lifetime. Default 1209600 (14 days). Bounds `exp - iat` of refresh tokens likewise. */
  refreshTokenTtl?: number;
  /** A session with no refresh for this long ends. Default: `refreshTokenTtl`. `0` disables it. */
  sessionIdleTimeout?: number;
  /** A session ends this long after login, whatever its activity. Default 2592000 (30 days). */
  sessionAbsoluteTimeout?: number;
  /** Leeway for `exp`, `nbf` and `iat` checks. Default 5. */
  clockTolerance?: number;
  /**
   * `denylist` (default): a valid token is accepted unless revoked.
   * `allowlist`: a valid token is accepted only while its session is known and active.
   */
  mode?: RevocationMode;
  /**
   * The store port. Default: an in-memory store, for tests and demos only: every revocation and
   * session is lost at restart (a logged-out token is valid again). It logs a warning at boot, and
   * with `NODE_ENV=production` the module refuses to start on it unless
   * `allowInMemoryStoreInProduction` is true.
   */
  store?: RevocationStore;
  /**
   * Start with `NODE_ENV=production` on the in-memory store anyway, accepting that revocations are
   * lost at every restart. Default false.
   */
  allowInMemoryStoreInProduction?: boolean;
  /**
   * Announces revocations to other instances at once: `RedisRevocationTransport` (`nestjs-jwt-revocation/redis`)
   * or `PostgresNotifyTransport` (`nestjs-jwt-revocation/postgres`). Default none: polling alone.
   */
  transport?: RevocationTransport;
  /**
   * `closed` (default): protected routes answer 503 while revocations cannot be checked. `open`:
   * accept and log. A route may override it (`@Authorize({ failureMode })`); routes with
   * `consistency: 'strong'` always fail closed.
   */
  failureMode?: FailureMode;
  /**
   * Window in which presenting the refresh token that was just rotated returns the same successor
   * instead of counting as reuse. Default 5. `0` turns it off.
   */
  refreshReuseGrace?: number;
  /** What a refusal reveals (the `reason` code, the description). Default `actionable`. */
  errorDetail?: ErrorDetail;
  /** Tokens longer than this many characters are refused before any parsing. Default 8192. */
  maxTokenLength?: number;
  /**
   * Access tokens already verified are remembered, keyed on the exact token string, so that a
   * repeated token skips the signature and the parsing of its claims. `exp`, `nbf`, `iat` and the
   * clock tolerance are checked again on every request, and so is revocation; refused tokens are
   * never stored, and tokens of a key retired from the ring are dropped. Bounded by `maxEntries`
   * (default 10000; `0` turns the cache off) and `maxBytes`, an estimate of the memory held
   * (token, claims and overhead, about 600 bytes per typical token; default 16777216, 16 MB): the least
   * recently used go first. Claims returned by the verifier are frozen, as requests share them.
   */
  verifiedTokenCache?: VerifiedTokenCacheOptions;
  /** How often each instance reads new revocations from the store (the safety net across instances). Default 1. `0` disables. */
  pollInterval?: number;
  /** An instance whose cache has not been confirmed fresh for this long stops trusting it. Default 5. `0` disables. */
  maxStaleness?: number;
  /** How often expired revocations and sessions are purged. Default 3600. `0` disables. */
  purgeInterval?: number;
  /**
   * Deadline of each store call made while a client waits (revocations, logins, refresh-token
   * rotation, logout, session lists, the audit trail, polling). A call that has not answered by then
   * fails with `StoreUnavailableException` (503 + `Retry-After`). Keep the pool's own timeouts
   * (connection acquire, statement) at or below it. Default 5.
   */
  storeTimeout?: number;
  /** Health reports the store `degraded` while its calls take longer than this. Default 1. */
  slowStoreThreshold?: number;
  /**
   * Reads a user's current claims when a session refreshes after `changeClaims()` (a role change
   * without logout): the new access token carries them. Without it, such a refresh is refused
   * (`invalid_grant`: log in again). Default none.
   */
  claimsLoader?: ClaimsLoader;
}
