import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsIP,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

const ROLE = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_ID_LENGTH = 255;

export class SetRolesDto {
  @ApiProperty({ type: [String], example: ['user', 'admin'], description: 'Replaces every role' })
  @IsArray()
  @ArrayMaxSize(16)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ROLE, {
    each: true,
    message: 'each role must be lower-case letters, digits, _ or - (at most 32)',
  })
  roles: string[];
}

export class ListUsersQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 100;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset = 0;

  @ApiPropertyOptional({
    description: 'Only accounts whose email contains this (case-insensitive)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ enum: ['active', 'suspended', 'deleted'] })
  @IsOptional()
  @IsIn(['active', 'suspended', 'deleted'])
  status?: 'active' | 'suspended' | 'deleted';
}

/** Exactly one of `jti`, `session_id`, `user_id` or `ip`, and why. */
export class CreateRevocationDto {
  @ApiPropertyOptional({ description: 'Revoke one access token by its `jti`' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_ID_LENGTH)
  jti?: string;

  @ApiPropertyOptional({ description: 'End one session (its access and refresh tokens)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_ID_LENGTH)
  session_id?: string;

  @ApiPropertyOptional({ description: 'End every session of a user' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_ID_LENGTH)
  user_id?: string;

  @ApiPropertyOptional({ description: 'End every session seen from this IP address' })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiProperty({
    example: 'compromised',
    maxLength: 64,
    description: 'Recorded in the audit trail',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  reason: string;
}

/** The phrase `POST /admin/revocations/all` wants in `confirm`, so that no stray request logs everyone out. */
export const REVOKE_ALL_CONFIRMATION = 'REVOKE ALL';

/** The kill switch: an explicit confirmation and why. */
export class RevokeAllDto {
  @ApiProperty({
    example: REVOKE_ALL_CONFIRMATION,
    description: `Must be exactly "${REVOKE_ALL_CONFIRMATION}"`,
  })
  @Equals(REVOKE_ALL_CONFIRMATION, {
    message: `confirm must be exactly "${REVOKE_ALL_CONFIRMATION}"`,
  })
  confirm: string;

  @ApiProperty({
    example: 'signing key leaked',
    maxLength: 64,
    description: 'Recorded in the audit trail',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  reason: string;
}

export class ListRevocationsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit = 50;

  @ApiPropertyOptional({ description: 'The `next_cursor` of the previous page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;

  @ApiPropertyOptional({ enum: ['jti', 'session', 'user', 'global', 'ip', 'claims'] })
  @IsOptional()
  @IsIn(['jti', 'session', 'user', 'global', 'ip', 'claims'])
  kind?: 'jti' | 'session' | 'user' | 'global' | 'ip' | 'claims';

  @ApiPropertyOptional({ description: 'Only entries about this jti, session id, user id or IP' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_ID_LENGTH)
  target?: string;

  @ApiPropertyOptional({
    description: 'Only entries about this user (id or email): the user and their sessions',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_ID_LENGTH)
  user?: string;

  @ApiPropertyOptional({ example: 'password_change', description: 'Only entries with this reason' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  reason?: string;

  @ApiPropertyOptional({
    description: 'Only entries made by this actor: a user id or email, or `system`',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_ID_LENGTH)
  actor?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only entries at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only entries before this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}
