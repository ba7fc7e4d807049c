import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AccessTokenClaims } from '../tokens/token.claims';

/** Where the guard leaves the verified claims on the request. */
export const CLAIMS_REQUEST_KEY = 'user';

/**
 * The verified access-token claims of the request (or one claim: `@CurrentClaims('sub')`).
 * Only on routes guarded by `JwtRevocationGuard`.
 */
export const CurrentClaims = createParamDecorator(
  (claim: keyof AccessTokenClaims | undefined, context: ExecutionContext) => {
    const request = context.switchToHttp().getRequest<Record<string, unknown>>();
    const claims = request[CLAIMS_REQUEST_KEY] as AccessTokenClaims | undefined;
    return claim ? claims?.[claim] : claims;
  },
);
