import { HttpException } from '@nestjs/common';
import {
  bearerChallenge,
  ClaimsChangedException,
  ClientNotAllowedException,
  concealRefusal,
  InsufficientScopeException,
  InvalidRequestException,
  InvalidTokenException,
  MissingTokenException,
  RevocationUnavailableException,
  refusalReasonOf,
  retryAfter,
  StoreUnavailableException,
  TokenRevokedException,
} from './jwt-revocation.exceptions';

/** RFC 6750 §3: error-description is %x20-21 / %x23-5B / %x5D-7E (no `"` nor `\`). */
const DESCRIPTION = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

const refusals: [HttpException, string][] = [
  [new MissingTokenException(), 'missing_token'],
  [new InvalidRequestException('More than one Authorization header'), 'invalid_request'],
  [new InvalidTokenException('bad_signature'), 'invalid_token'],
  [new InvalidTokenException('expired', 'The access token has expired'), 'expired'],
  [new InvalidTokenException('wrong_audience'), 'wrong_audience'],
  [new TokenRevokedException('token'), 'revoked'],
  [new TokenRevokedException('session'), 'session_ended'],
  [new TokenRevokedException('session-unknown'), 'session_ended'],
  [new TokenRevokedException('user'), 'user_revoked'],
  [new TokenRevokedException('global'), 'all_revoked'],
  [new TokenRevokedException('suspicious_activity'), 'revoked'],
  [new ClaimsChangedException(), 'claims_changed'],
  [new InsufficientScopeException(), 'insufficient_role'],
  [new ClientNotAllowedException(), 'client_not_allowed'],
  [new RevocationUnavailableException(), 'store_unavailable'],
  [new StoreUnavailableException('timeout', 3), 'store_unavailable'],
];

describe('refusal reasons', () => {
  it.each(refusals)('%p carries reason %p in its body and as refusal', (error, reason) => {
    expect(refusalReasonOf(error)).toBe(reason);
    expect(error.getResponse()).toEqual(expect.objectContaining({ reason }));
  });

  it('keeps every description within the RFC 6750 error_description grammar', () => {
    for (const [error] of refusals) {
      expect(error.message).toMatch(DESCRIPTION);
      const challenge = bearerChallenge(error);
      if (challenge?.includes('error_description')) {
        expect(challenge).toMatch(/error_description="[\x20\x21\x23-\x5B\x5D-\x7E]*"$/);
      }
    }
  });

  it('has no reason for errors that are not refusals', () => {
    expect(refusalReasonOf(new Error('boom'))).toBeUndefined();
    expect(refusalReasonOf(new HttpException('teapot', 418))).toBeUndefined();
  });

  it.each(refusals)(
    'conceals %p: same class, status, RFC 6750 code and Retry-After, no reason',
    (error) => {
      const concealed = concealRefusal(error) as HttpException;
      expect(concealed).toBeInstanceOf(
        error instanceof ClientNotAllowedException ? InsufficientScopeException : error.constructor,
      );
      expect(concealed.getStatus()).toBe(error.getStatus());
      const body = concealed.getResponse() as Record<string, unknown>;
      expect(body).not.toHaveProperty('reason');
      expect(body.error).toBe((error.getResponse() as Record<string, unknown>).error);
      expect(retryAfter(concealed)).toBe(retryAfter(error));
      expect(concealed.cause).toBe(error);
      if (error instanceof InvalidTokenException)
        expect(concealed.message).toBe('The access token is invalid');
    },
  );

  it('returns other errors unchanged', () => {
    const error = new Error('boom');
    expect(concealRefusal(error)).toBe(error);
  });
});
