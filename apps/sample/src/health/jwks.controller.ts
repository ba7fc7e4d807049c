import { Controller, Get, Header, Inject, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { JwksService } from 'nestjs-jwt-revocation';
import type { JwkSet } from 'nestjs-jwt-revocation';
import { SignalKeys } from 'nestjs-jwt-revocation/signals';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(
    @Inject(JwksService) private readonly keys: JwksService,
    @Optional() @Inject(SignalKeys) private readonly signalKeys?: SignalKeys,
  ) {}

  /**
   * Every public key tokens are verified with (RFC 7517), the signing key and those kept for
   * rotation alike, and the key SETs are signed with when it is a separate one. Empty when tokens
   * are signed with an HS256 secret and no SET is sent.
   */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'JWK Set' })
  jwks(): JwkSet {
    return this.signalKeys?.getJwks() ?? this.keys.getJwks();
  }
}
