import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { signJws } from './jws';
import { newTokenId } from './token.issuer';

/** `typ` header of RFC 9701 JWT introspection responses. */
export const TOKEN_INTROSPECTION_JWT_TYPE = 'token-introspection+jwt';

/** Media type a resource server asks for (`Accept`) and gets (`Content-Type`) under RFC 9701. */
export const TOKEN_INTROSPECTION_JWT_MEDIA_TYPE = 'application/token-introspection+jwt';

/**
 * Signs RFC 9701 JWT introspection responses with the key ring's asymmetric signing key, so that a
 * resource server can verify them against the JWKS. Not available with an HS256 secret (a shared
 * secret cannot be handed to resource servers) nor without `issuer` (the JWT's required `iss`).
 */
@Injectable()
export class IntrospectionResponseSigner {
  constructor(
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The JWS `alg` of signed responses, or undefined when responses cannot be signed. */
  get algorithm(): string | undefined {
    const key = this.config.keys.signing;
    return key.alg === 'HS256' || this.config.issuer === undefined ? undefined : key.alg;
  }

  /**
   * The RFC 9701 JWT for an RFC 7662 `response`: `iss`, `aud` (the resource server's `client_id`),
   * `iat`, `jti` and the response as `token_introspection`; header `typ: token-introspection+jwt`.
   * Throws when `algorithm` is undefined.
   */
  sign(response: { active: boolean } & Record<string, unknown>, audience: string): string {
    const alg = this.algorithm;
    if (alg === undefined) {
      throw new Error(
        'jwt-revocation: signed introspection responses need an asymmetric signing key and an issuer.',
      );
    }
    const key = this.config.keys.signing;
    const header = { alg, typ: TOKEN_INTROSPECTION_JWT_TYPE, ...(key.kid ? { kid: key.kid } : {}) };
    return signJws(key, header, {
      iss: this.config.issuer,
      aud: audience,
      iat: Math.floor(this.clock.now() / 1000),
      jti: newTokenId(),
      token_introspection: response,
    });
  }
}
