import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import {
  bearerChallenge,
  InvalidRequestException,
  RevocationUnavailableException,
} from '../jwt-revocation.exceptions';
import { RevocationService } from '../revocation/revocation.service';
import { RoutePolicyReader } from '../route-policy.reader';
import { extractRequestBearerToken } from '../tokens/bearer-token';
import type { AccessTokenClaims } from '../tokens/token.claims';
import { TokenVerifier } from '../tokens/token.verifier';

/** Name of the Passport strategy: `AuthGuard(JWT_REVOCATION_STRATEGY)`. */
export const JWT_REVOCATION_STRATEGY = 'jwt-revocation';

type Request = { headers: Record<string, unknown> };
type Done = (error: unknown, user?: unknown) => void;

/** A Passport strategy running the guard's steps: extract, verify (RFC 8725), check revocation. */
class RevocationBearerStrategy extends passport.Strategy {
  constructor(
    private readonly check: (request: Request) => AccessTokenClaims,
    private readonly verified: (claims: AccessTokenClaims, done: Done) => void,
  ) {
    super();
  }

  override authenticate(request: Request): void {
    let claims: AccessTokenClaims;
    try {
      claims = this.check(request);
    } catch (error) {
      if (error instanceof RevocationUnavailableException) return this.error(error);
      const status = error instanceof InvalidRequestException ? 400 : 401;
      return this.fail(bearerChallenge(error) ?? 'Bearer', status);
    }
    this.verified(claims, (error, user) =>
      error ? this.error(error) : user ? this.success(user) : this.fail('Bearer', 401),
    );
  }
}

/**
 * For apps built on `@nestjs/passport`: provide this strategy and guard routes with
 * `AuthGuard(JWT_REVOCATION_STRATEGY)`. `request.user` gets the verified claims. Override
 * `validate(claims)` to load your user. `JwtRevocationGuard` remains the faster, role-aware path.
 */
@Injectable()
export class JwtRevocationStrategy extends PassportStrategy(
  RevocationBearerStrategy,
  JWT_REVOCATION_STRATEGY,
) {
  constructor(
    @Inject(TokenVerifier) verifier: TokenVerifier,
    @Inject(RevocationService) revocations: RevocationService,
    @Inject(RoutePolicyReader) policies: RoutePolicyReader,
  ) {
    super((request: Request) => {
      try {
        const claims = verifier.verifyAccessToken(extractRequestBearerToken(request));
        revocations.assertNotRevoked(claims);
        return claims;
      } catch (error) {
        throw policies.present(error);
      }
    });
  }

  validate(claims: AccessTokenClaims): unknown {
    return claims;
  }
}
