import {
  BadRequestException,
  ForbiddenException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';

/** Why a token was refused; used in logs, metrics and `invalid_token` descriptions. */
export type InvalidTokenReason =
  | 'malformed'
  | 'too_large'
  | 'wrong_type'
  | 'unsupported_header'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'lifetime_exceeded'
  | 'missing_claim'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'revoked';

/** No bearer token was presented: 401 with a bare `Bearer` challenge (RFC 6750 §3.1). */
export class MissingTokenException extends UnauthorizedException {
  constructor() {
    super({ statusCode: 401, error: 'Unauthorized', message: 'Bearer token required' });
  }
}

/**
 * The request carries no single well-formed bearer credential (several `Authorization` headers,
 * `Bearer` with no token): 400 `invalid_request` (RFC 6750 §3.1).
 */
export class InvalidRequestException extends BadRequestException {
  constructor(description: string) {
    super({ statusCode: 400, error: 'invalid_request', message: description });
  }
}

/**
 * A refresh token was refused (unknown, forged, expired, revoked, reused, of the wrong type):
 * 400 `{"error": "invalid_grant", "error_description": ...}` per RFC 6749 §5.2, without a
 * `WWW-Authenticate` challenge (that belongs to bearer-protected routes). `reason` is for logs.
 */
export class InvalidGrantException extends BadRequestException {
  constructor(
    readonly reason: string,
    description: string,
    options?: { cause?: unknown },
  ) {
    super({ error: 'invalid_grant', error_description: description }, options);
  }
}

/** The token is malformed, expired, forged or otherwise not acceptable: 401 `invalid_token`. */
export class InvalidTokenException extends UnauthorizedException {
  constructor(
    readonly reason: InvalidTokenReason,
    description = 'The access token is invalid',
  ) {
    super({ statusCode: 401, error: 'invalid_token', message: description });
  }
}

/** The token is well formed and signed, but was revoked: 401 `invalid_token`. */
export class TokenRevokedException extends InvalidTokenException {
  constructor(
    readonly revokedBy: string,
    description = 'The access token has been revoked',
  ) {
    super('revoked', description);
  }
}

/**
 * The user's claims (roles) changed after the access token was minted: 401 `invalid_token`, and
 * the session lives on: refresh to get a token with the current claims, no new login needed.
 */
export class ClaimsChangedException extends TokenRevokedException {
  constructor() {
    super('claims', 'The access token carries outdated claims; refresh it to get the current ones');
  }
}

/** The token is valid but lacks every required role: 403 `insufficient_scope`. */
export class InsufficientScopeException extends ForbiddenException {
  constructor() {
    super({
      statusCode: 403,
      error: 'insufficient_scope',
      message: 'Insufficient role for this resource',
    });
  }
}

/**
 * Revocations cannot be checked (store unreachable, cache not loaded or stale): 503, to be answered
 * with `Retry-After: retryAfterSeconds` (see `retryAfter()`).
 */
export class RevocationUnavailableException extends ServiceUnavailableException {
  constructor(
    detail = 'Revocation state is unavailable',
    readonly retryAfterSeconds = 1,
    options: { cause?: unknown } = {},
  ) {
    super({ statusCode: 503, error: 'Service Unavailable', message: detail }, options);
  }
}

/** Why a store call failed without an answer: it exceeded `storeTimeout`, or the store could not be reached or was busy. */
export type StoreFailure = 'timeout' | 'unreachable';

/**
 * A store call did not complete: it exceeded `storeTimeout`, the pool had no free connection in
 * time, or the database could not be reached. 503 with `Retry-After`. The operation may still have
 * been applied (a commit whose answer was lost): it is never reported as done, and retrying it is
 * safe because revocations are idempotent. The driver error is kept as `cause`, never in the body.
 */
export class StoreUnavailableException extends RevocationUnavailableException {
  constructor(
    readonly failure: StoreFailure,
    retryAfterSeconds: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      failure === 'timeout'
        ? 'The revocation store did not answer in time; retry later'
        : 'The revocation store is unavailable; retry later',
      retryAfterSeconds,
      options,
    );
  }
}

/** The RFC 6750 `WWW-Authenticate` value for an exception thrown on a protected route, if any. */
export function bearerChallenge(exception: unknown, realm?: string): string | undefined {
  const prefix = realm ? `Bearer realm="${realm}"` : 'Bearer';
  const sep = realm ? ', ' : ' ';
  if (exception instanceof InvalidTokenException) {
    return `${prefix}${sep}error="invalid_token", error_description="${exception.message}"`;
  }
  if (exception instanceof InvalidRequestException) {
    return `${prefix}${sep}error="invalid_request", error_description="${exception.message}"`;
  }
  if (exception instanceof InsufficientScopeException)
    return `${prefix}${sep}error="insufficient_scope"`;
  if (exception instanceof MissingTokenException) return prefix;
  return undefined;
}

/** The RFC 9110 `Retry-After` value (seconds) for an exception that asks the client to come back later, if any. */
export function retryAfter(exception: unknown): string | undefined {
  if (exception instanceof RevocationUnavailableException) {
    return String(Math.max(1, Math.ceil(exception.retryAfterSeconds)));
  }
  return undefined;
}

/** A short label of why a request was refused, for metrics and logs. */
export function rejectionReason(error: unknown): string {
  if (error instanceof ClaimsChangedException) return 'claims_changed';
  if (error instanceof TokenRevokedException)
    return `revoked_${error.revokedBy.replace(/-/g, '_')}`;
  if (error instanceof InvalidTokenException) return error.reason;
  if (error instanceof InvalidGrantException) return `invalid_grant_${error.reason}`;
  if (error instanceof MissingTokenException) return 'missing';
  if (error instanceof InvalidRequestException) return 'invalid_request';
  if (error instanceof InsufficientScopeException) return 'insufficient_scope';
  if (error instanceof StoreUnavailableException) return `store_${error.failure}`;
  if (error instanceof RevocationUnavailableException) return 'unavailable';
  return 'error';
}
