import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Form fields of RFC 7009 revocation and RFC 7662 introspection requests. */
export class TokenForm {
  @ApiProperty({ description: 'An access or refresh token' })
  token: string;

  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'] })
  token_type_hint?: string;
}

/** RFC 7662 introspection response: `{ active: false }` alone for anything not currently valid. */
export class IntrospectionView {
  @ApiProperty()
  active: boolean;

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

  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'] })
  token_type?: 'access_token' | 'refresh_token';

  @ApiPropertyOptional()
  iss?: string;

  @ApiPropertyOptional()
  aud?: string | string[];
}
