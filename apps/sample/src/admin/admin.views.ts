import { ApiProperty } from '@nestjs/swagger';
import type { AuditEntry } from 'nestjs-jwt-revocation';

export class RevocationCount {
  @ApiProperty({ description: 'Sessions or tokens that were active and now are not' })
  revoked: number;
}

export class AuditEntryView {
  @ApiProperty()
  id: number;

  @ApiProperty({ enum: ['jti', 'session', 'user', 'global', 'ip', 'claims'] })
  kind: string;

  @ApiProperty({ description: 'The jti, session id, user id or IP' })
  target: string;

  @ApiProperty({ example: 'password_change' })
  reason: string;

  @ApiProperty({ type: String, nullable: true, description: 'User id of who did it, or `system`' })
  actor: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Sessions or tokens it ended; null when the revocation was made without counting',
  })
  count: number | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  static of(entry: AuditEntry): AuditEntryView {
    return {
      id: entry.id,
      kind: entry.kind,
      target: entry.target,
      reason: entry.reason,
      actor: entry.actor,
      count: entry.count,
      created_at: new Date(entry.createdAt).toISOString(),
    };
  }
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryView], description: 'Newest first' })
  entries: AuditEntryView[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `before` for the next page; null on the last page',
  })
  next_cursor: string | null;
}
