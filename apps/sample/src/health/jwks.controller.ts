import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { createPublicKey, KeyObject } from 'node:crypto';
import type { JwtAsymmetricKey } from 'nestjs-jwt-revocation';
import { SampleConfig } from '../config/sample.config';

function publicKeyOf(key: JwtAsymmetricKey): KeyObject {
  if (key.publicKey instanceof KeyObject) return key.publicKey;
  return createPublicKey((key.publicKey ?? key.privateKey) as KeyObject | string);
}

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  private readonly keySet: { keys: Record<string, unknown>[] };

  constructor(@Inject(SampleConfig) config: SampleConfig) {
    this.keySet = {
      keys: (config.jwt.keys ?? []).map((key) => ({
        ...publicKeyOf(key).export({ format: 'jwk' }),
        kid: key.kid,
        alg: key.algorithm,
        use: 'sig',
      })),
    };
  }

  /**
   * Every public key tokens are verified with (RFC 7517), the signing key and those kept for
   * rotation alike. Empty when tokens are signed with an HS256 secret.
   */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'JWK Set' })
  jwks(): { keys: Record<string, unknown>[] } {
    return this.keySet;
  }
}
