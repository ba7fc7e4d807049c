import { Inject, Injectable } from '@nestjs/common';
import { JwtRevocationConfig } from '../jwt-revocation.config';

/** A JWK Set (RFC 7517 §5). */
export interface JwkSet {
  keys: Record<string, unknown>[];
}

/** Publishes the public keys that verify this module's tokens, for `/.well-known/jwks.json`. */
@Injectable()
export class JwksService {
  constructor(@Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig) {}

  /**
   * The public keys of the key ring, each with `kid`, `alg` and `use: "sig"`. Empty when tokens are
   * signed with an HS256 secret (a shared secret is never published).
   */
  getJwks(): JwkSet {
    return this.config.keys.toJwks();
  }
}
