import { BadRequestException, UnauthorizedException } from '@nestjs/common';

/**
 * Client authentication failed (unknown client, wrong secret, no or unsupported authentication):
 * 401 `{"error": "invalid_client"}` (RFC 6749 §5.2). When the client used HTTP Basic, answer with
 * `WWW-Authenticate: <challenge>`.
 */
export class InvalidClientException extends UnauthorizedException {
  /** The `WWW-Authenticate` value to send, when the client authenticated with HTTP Basic. */
  readonly challenge?: string;

  constructor(description: string, basic: boolean) {
    super({ error: 'invalid_client', error_description: description });
    if (basic) this.challenge = 'Basic realm="oauth", charset="UTF-8"';
  }
}

/** The client is authenticated but lacks the right for this endpoint: 400 `unauthorized_client` (RFC 6749 §5.2). */
export class UnauthorizedClientException extends BadRequestException {
  constructor(description: string) {
    super({ error: 'unauthorized_client', error_description: description });
  }
}

/** A malformed OAuth request (e.g. two client authentication methods at once): 400 `invalid_request`. */
export class OAuthInvalidRequestException extends BadRequestException {
  constructor(description: string) {
    super({ error: 'invalid_request', error_description: description });
  }
}
