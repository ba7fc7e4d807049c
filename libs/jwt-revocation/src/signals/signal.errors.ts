/** RFC 8935 §2.3 error codes (back-channel logout answers every one of them with 400). */
export type SignalErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'authentication_failed'
  | 'access_denied';

/** A logout token or SET that is refused: nothing was revoked. */
export class SignalRejectedError extends Error {
  constructor(
    readonly code: SignalErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = 'SignalRejectedError';
  }

  /** The RFC 8935 §2.3 HTTP status of the code. */
  get status(): 400 | 401 | 403 {
    if (this.code === 'authentication_failed') return 401;
    if (this.code === 'access_denied') return 403;
    return 400;
  }

  /** The RFC 8935 §2.3 response body. */
  toJSON(): { err: SignalErrorCode; description: string } {
    return { err: this.code, description: this.description };
  }
}

/**
 * The signal could not be checked or applied now (the issuer's JWKS or the store did not answer):
 * nothing was revoked and the sender should retry (503).
 */
export class SignalUnavailableError extends Error {
  constructor(description: string) {
    super(description);
    this.name = 'SignalUnavailableError';
  }
}
