import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SignalRecord } from 'nestjs-jwt-revocation/signals';

export class LogoutTokenForm {
  @ApiProperty({ description: 'The logout token (a JWT signed by the IdP)' })
  logout_token: string;
}

/** One received or sent signal of the audit trail. */
export class SignalView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['received', 'sent'] }) direction: string;
  @ApiProperty({ enum: ['backchannel-logout', 'ssf'] }) protocol: string;
  @ApiProperty({ description: '`iss` of the logout token or SET' }) issuer: string;
  @ApiProperty() jti: string;
  @ApiPropertyOptional({ description: 'Sent: the receiver' }) receiver: string | null;
  @ApiProperty({ type: [String] }) events: string[];
  @ApiPropertyOptional() subject: string | null;
  @ApiProperty({ description: 'revoked, no_match, ignored, pending, delivered or rejected:<err>' })
  outcome: string;
  @ApiProperty({ description: 'Sessions ended' }) revoked: number;
  @ApiProperty({ description: 'ISO 8601' }) created_at: string;

  static of(r: SignalRecord): SignalView {
    return {
      id: String(r.id),
      direction: r.direction,
      protocol: r.protocol,
      issuer: r.issuer,
      jti: r.jti,
      receiver: r.peer === '' ? null : r.peer,
      events: r.events,
      subject: r.subject,
      outcome: r.outcome,
      revoked: r.count,
      created_at: new Date(r.createdAt).toISOString(),
    };
  }
}

export class SignalPage {
  @ApiProperty({ type: [SignalView] }) entries: SignalView[];
  @ApiPropertyOptional({ description: 'Pass as `before` for the next page' }) next_cursor:
    string | null;
}
