import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Form fields of RFC 7009 revocation and RFC 7662 introspection requests. */
export class TokenForm {
  @ApiProperty({ description: 'An access or refresh token' })
  token: string;

  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'] })
  token_type_hint?: string;

  @ApiPropertyOptional({
    description: 'client_secret_post, or a public client identifying itself (RFC 6749 §2.3.1)',
  })
  client_id?: string;

  @ApiPropertyOptional({ description: 'client_secret_post (prefer HTTP Basic)' })
  client_secret?: string;
}

/** RFC 7662 introspection response: `{ active: false }` alone for anything not currently valid. */
export class IntrospectionView {
  @ApiProperty()
  active: boolean;

  @ApiPropertyOptional({ description: 'The client the token was issued to (RFC 9068 §2.2)' })
  client_id?: string;

  @ApiPropertyOptional()
  sub?: string;

  @ApiPropertyOptional()
  jti?: string;

  @ApiPropertyOptional({ description: 'Session id' })
  sid?: string;

  @ApiPropertyOptional({ description: 'Seconds since the epoch' })
  exp?: number;

  @ApiPropertyOptional({ description: 'Seconds since the epoch' })
  iat?: number;

  @ApiPropertyOptional({ type: [String] })
  roles?: string[];

  @ApiPropertyOptional({
    enum: ['Bearer'],
    description: 'RFC 6749 §7.1 token type; access tokens only (a refresh token has none)',
  })
  token_type?: 'Bearer';

  @ApiPropertyOptional()
  iss?: string;

  @ApiPropertyOptional()
  aud?: string | string[];
}
