import { Inject, Injectable } from '@nestjs/common';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { Clock } from '../clock';
import type { NormalizedIssuer } from './signals.config';
import { SignalRejectedError, SignalUnavailableError } from './signal.errors';

/** A verified logout token or SET. */
export interface VerifiedSignal {
  issuer: string;
  payload: JWTPayload & Record<string, unknown>;
}

const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Verifies compact JWTs from trusted issuers against their JWK Sets, fetched and cached by
 * `jose` (refetched, at most every 30 s, when a token names an unknown `kid`: key rotation).
 */
@Injectable()
export class SignalVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(@Inject(Clock) private readonly clock: Clock) {}

  async verify(
    token: unknown,
    trusted: Map<string, NormalizedIssuer>,
    check: { types: string[]; maxAgeMs: number; toleranceMs: number },
  ): Promise<VerifiedSignal> {
    if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
      throw new SignalRejectedError('invalid_request', 'The token is missing or too long');
    }
    let issuer: NormalizedIssuer | undefined;
    let alg: unknown;
    let typ: unknown;
    try {
      ({ alg, typ } = decodeProtectedHeader(token));
      const iss = decodeJwt(token).iss;
      issuer = typeof iss === 'string' ? trusted.get(iss) : undefined;
    } catch {
      throw new SignalRejectedError('invalid_request', 'The token is not a JWT');
    }
    if (typeof alg !== 'string' || alg === 'none' || token.endsWith('.')) {
      throw new SignalRejectedError('invalid_request', 'The token is not signed');
    }
    if (!issuer) throw new SignalRejectedError('invalid_issuer', 'The issuer is not trusted');
    if (!issuer.algorithms.includes(alg)) {
      throw new SignalRejectedError('invalid_key', `The algorithm ${alg} is not accepted`);
    }
    const type =
      typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
    if (!check.types.includes(type ?? '')) {
      throw new SignalRejectedError(
        'invalid_request',
        `The token type ${String(typ)} is not accepted`,
      );
    }
    try {
      const { payload } = await jwtVerify(token, this.keySet(issuer), {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: issuer.algorithms,
        clockTolerance: Math.ceil(check.toleranceMs / 1000),
        maxTokenAge: Math.floor(check.maxAgeMs / 1000),
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['iat', 'jti'],
      });
      if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 128) {
        throw new SignalRejectedError(
          'invalid_request',
          'jti must be a string of 1 to 128 characters',
        );
      }
      return { issuer: issuer.issuer, payload: payload as VerifiedSignal['payload'] };
    } catch (error) {
      throw rejection(error);
    }
  }

  private keySet(issuer: NormalizedIssuer): JWTVerifyGetKey {
    let keys = this.keySets.get(issuer.issuer);
    if (!keys) {
      keys = createRemoteJWKSet(issuer.jwksUri, {
        timeoutDuration: 5000,
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
      });
      this.keySets.set(issuer.issuer, keys);
    }
    return keys;
  }
}

function rejection(error: unknown): Error {
  if (error instanceof SignalRejectedError) return error;
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss')
      return new SignalRejectedError('invalid_issuer', 'The issuer does not match');
    if (error.claim === 'aud')
      return new SignalRejectedError('invalid_audience', 'The audience does not match');
    return new SignalRejectedError(
      'invalid_request',
      `The ${error.claim} claim is invalid: ${error.message}`,
    );
  }
  if (error instanceof errors.JWTExpired)
    return new SignalRejectedError('invalid_request', 'The token has expired');
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed
  ) {
    return new SignalRejectedError(
      'invalid_key',
      'The signature does not verify with the issuer keys',
    );
  }
  // Timeouts, unreachable hosts, a non-200 or unparsable JWKS answer (a generic JOSEError): retryable.
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError) ||
    error.constructor === errors.JOSEError
  ) {
    return new SignalUnavailableError("The issuer's keys could not be fetched");
  }
  return new SignalRejectedError('invalid_request', 'The token is malformed');
}
