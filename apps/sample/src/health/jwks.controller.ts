import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { JwksService } from 'nestjs-jwt-revocation';
import type { JwkSet } from 'nestjs-jwt-revocation';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(JwksService) private readonly keys: JwksService) {}

  /**
   * Every public key tokens are verified with (RFC 7517), the signing key and those kept for
   * rotation alike. Empty when tokens are signed with an HS256 secret.
   */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'JWK Set' })
  jwks(): JwkSet {
    return this.keys.getJwks();
  }
}
