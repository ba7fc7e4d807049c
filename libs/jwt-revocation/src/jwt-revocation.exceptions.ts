import {
  BadRequestException,
  ForbiddenException,
  HttpException,
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

/**
 * The stable, documented code of a refusal, sent as the JSON body's `reason` (unless
 * `errorDetail` is `generic`) so a client knows what to do:
 * - `expired`, `revoked`, `claims_changed`: refresh the access token;
 * - `session_ended`, `user_revoked`, `all_revoked`, `invalid_token`: log in again;
 * - `store_unavailable`: retry after `Retry-After`;
 * - `missing_token`, `invalid_request`: send one bearer token;
 * - `wrong_audience`: use a token issued for this API;
 * - `insufficient_role`, `client_not_allowed`: do not retry with this token.
 */
export type RefusalReason =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'expired'
  | 'revoked'
  | 'session_ended'
  | 'user_revoked'
  | 'all_revoked'
  | 'claims_changed'
  | 'wrong_audience'
  | 'store_unavailable'
  | 'insufficient_role'
  | 'client_not_allowed';

/** `conceal`: leave the `reason` out of the body (`errorDetail: 'generic'`). */
export interface RefusalOptions {
  cause?: unknown;
  conceal?: boolean;
}

function refusal(
  status: number,
  error: string,
  message: string,
  reason: RefusalReason,
  options: RefusalOptions | undefined,
): object {
  return options?.conceal
    ? { statusCode: status, error, message }
    : { statusCode: status, error, message, reason };
}

function causeOf(options: RefusalOptions | undefined): { cause?: unknown } | undefined {
  return options?.cause === undefined ? undefined : { cause: options.cause };
}

const GENERIC_DESCRIPTION = 'The access token is invalid';

const TOKEN_REASONS: Partial<Record<InvalidTokenReason, RefusalReason>> = {
  expired: 'expired',
  wrong_audience: 'wrong_audience',
  revoked: 'revoked',
};

const VERDICT_REASONS: Record<string, RefusalReason> = {
  token: 'revoked',
  session: 'session_ended',
  'session-unknown': 'session_ended',
  user: 'user_revoked',
  global: 'all_revoked',
  claims: 'claims_changed',
};

/** No bearer token was presented: 401 with a bare `Bearer` challenge (RFC 6750 §3.1). */
export class MissingTokenException extends UnauthorizedException {
  readonly refusal: RefusalReason = 'missing_token';

  constructor(options?: RefusalOptions) {
    super(
      refusal(401, 'Unauthorized', 'Bearer token required', 'missing_token', options),
      causeOf(options),
    );
  }
}

/**
 * The request carries no single well-formed bearer credential (several `Authorization` headers,
 * `Bearer` with no token): 400 `invalid_request` (RFC 6750 §3.1).
 */
export class InvalidRequestException extends BadRequestException {
  readonly refusal: RefusalReason = 'invalid_request';

  constructor(description: string, options?: RefusalOptions) {
    super(
      refusal(400, 'invalid_request', description, 'invalid_request', options),
      causeOf(options),
    );
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

/**
 * The token is malformed, expired, forged or otherwise not acceptable: 401 `invalid_token`.
 * `reason` is the detail, for logs and metrics; `refusal` is the code a client sees.
 */
export class InvalidTokenException extends UnauthorizedException {
  readonly refusal: RefusalReason;

  constructor(
    readonly reason: InvalidTokenReason,
    description = 'The access token is invalid',
    options?: RefusalOptions & { refusal?: RefusalReason },
  ) {
    const code = options?.refusal ?? TOKEN_REASONS[reason] ?? 'invalid_token';
    super(refusal(401, 'invalid_token', description, code, options), causeOf(options));
    this.refusal = code;
  }
}

/**
 * The token is well formed and signed, but was revoked: 401 `invalid_token`. `revokedBy` is the
 * rule (`token`, `session`, `session-unknown`, `user`, `global`, `claims`) or an app's own label.
 */
export class TokenRevokedException extends InvalidTokenException {
  constructor(
    readonly revokedBy: string,
    description = 'The access token has been revoked',
    options?: RefusalOptions,
  ) {
    super('revoked', description, {
      ...options,
      refusal: Object.hasOwn(VERDICT_REASONS, revokedBy) ? VERDICT_REASONS[revokedBy] : 'revoked',
    });
  }
}

/**
 * The user's claims (roles) changed after the access token was minted: 401 `invalid_token` with
 * reason `claims_changed`, and the session lives on: refresh to get a token with the current
 * claims, no new login needed.
 */
export class ClaimsChangedException extends TokenRevokedException {
  constructor(options?: RefusalOptions) {
    super(
      'claims',
      options?.conceal
        ? GENERIC_DESCRIPTION
        : 'The access token carries outdated claims; refresh it to get the current ones',
      options,
    );
  }
}

/** The token is valid but lacks every required role: 403 `insufficient_scope`. */
export class InsufficientScopeException extends ForbiddenException {
  readonly refusal: RefusalReason;

  constructor(options?: RefusalOptions & { refusal?: RefusalReason; description?: string }) {
    const code = options?.refusal ?? 'insufficient_role';
    super(
      refusal(
        403,
        'insufficient_scope',
        options?.description ?? 'Insufficient role for this resource',
        code,
        options,
      ),
      causeOf(options),
    );
    this.refusal = code;
  }
}

/**
 * The token is valid, but its `client_id` (RFC 9068) is not one the route allows, or it has none:
 * 403 `insufficient_scope` with reason `client_not_allowed`.
 */
export class ClientNotAllowedException extends InsufficientScopeException {
  constructor(options?: RefusalOptions) {
    super({
      ...options,
      refusal: 'client_not_allowed',
      description: 'This client may not call this resource',
    });
  }
}

/**
 * Revocations cannot be checked (store unreachable, cache not loaded or stale): 503, to be answered
 * with `Retry-After: retryAfterSeconds` (see `retryAfter()`).
 */
export class RevocationUnavailableException extends ServiceUnavailableException {
  readonly refusal: RefusalReason = 'store_unavailable';

  constructor(
    detail = 'Revocation state is unavailable',
    readonly retryAfterSeconds = 1,
    options: RefusalOptions = {},
  ) {
    super(
      refusal(503, 'Service Unavailable', detail, 'store_unavailable', options),
      causeOf(options),
    );
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
    options: RefusalOptions = {},
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

/** The client-facing code of a refusal raised by the library, or `undefined` for other errors. */
export function refusalReasonOf(error: unknown): RefusalReason | undefined {
  const code = (error as { refusal?: unknown } | null)?.refusal;
  return error instanceof HttpException && typeof code === 'string'
    ? (code as RefusalReason)
    : undefined;
}

/**
 * The same refusal as `error` without its `reason` and with a generic description
 * (`errorDetail: 'generic'`): the status, RFC 6750 error code, class and `Retry-After` stay.
 * The original is kept as `cause`, for server-side logs. Other errors are returned unchanged.
 */
export function concealRefusal(error: unknown): unknown {
  const options = { conceal: true, cause: error };
  if (error instanceof ClaimsChangedException) return new ClaimsChangedException(options);
  if (error instanceof TokenRevokedException)
    return new TokenRevokedException(error.revokedBy, GENERIC_DESCRIPTION, options);
  if (error instanceof InvalidTokenException)
    return new InvalidTokenException(error.reason, GENERIC_DESCRIPTION, options);
  if (error instanceof InsufficientScopeException)
    return new InsufficientScopeException({ ...options, description: 'Access denied' });
  if (error instanceof StoreUnavailableException)
    return new StoreUnavailableException(error.failure, error.retryAfterSeconds, options);
  if (error instanceof RevocationUnavailableException)
    return new RevocationUnavailableException(undefined, error.retryAfterSeconds, options);
  if (error instanceof MissingTokenException) return new MissingTokenException(options);
  if (error instanceof InvalidRequestException)
    return new InvalidRequestException(error.message, options);
  return error;
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
  if (error instanceof ClientNotAllowedException) return 'client_not_allowed';
  if (error instanceof InsufficientScopeException) return 'insufficient_scope';
  if (error instanceof StoreUnavailableException) return `store_${error.failure}`;
  if (error instanceof RevocationUnavailableException) return 'unavailable';
  return 'error';
}
