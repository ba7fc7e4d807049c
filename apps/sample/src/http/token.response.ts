import { ApiProperty } from '@nestjs/swagger';
import type { TokenPair } from 'nestjs-jwt-revocation';

/** RFC 6749 §5.1 token response. */
export class TokenResponse {
  @ApiProperty({ description: 'Access token (JWT, `typ: at+jwt`)' })
  access_token: string;

  @ApiProperty({ description: 'Refresh token: single use, rotated by POST /auth/refresh' })
  refresh_token: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ description: 'Access-token lifetime in seconds', example: 900 })
  expires_in: number;
}

export function toTokenResponse(pair: TokenPair): TokenResponse {
  return {
    access_token: pair.accessToken,
    refresh_token: pair.refreshToken,
    token_type: pair.tokenType,
    expires_in: pair.expiresIn,
  };
}
