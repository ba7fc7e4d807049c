import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { JwtRevocationConfig } from 'nestjs-jwt-revocation';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig) {}

  /** The public signing keys (RFC 7517). Empty when tokens are signed with an HS256 secret. */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'JWK Set' })
  jwks(): { keys: Record<string, unknown>[] } {
    return this.config.keys.toJwks();
  }
}
