import { ApiProperty } from '@nestjs/swagger';
import type { SessionView as LibrarySession } from 'nestjs-jwt-revocation';
import { summarizeUserAgent } from './user-agent.parser';

/** One of the user's active sessions, as `GET /me/sessions` shows it. */
export class SessionView {
  @ApiProperty({ description: 'The `sid` claim of the session’s tokens' })
  id: string;

  @ApiProperty({ description: 'Whether the request was made with this session’s access token' })
  current: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time', description: 'Last login or refresh' })
  last_seen_at: string;

  @ApiProperty({ type: String, nullable: true, description: 'IP the session was last seen from' })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  user_agent: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Chrome 156',
    description: 'From `user_agent`',
  })
  browser: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Linux', description: 'From `user_agent`' })
  os: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['desktop', 'mobile', 'tablet', 'tv'],
    description: 'From `user_agent`',
  })
  device: string | null;

  /** `currentId`: the caller's session id, or null when nobody's session is current (admin views). */
  static of(session: LibrarySession, currentId: string | null): SessionView {
    return {
      id: session.id,
      current: session.id === currentId,
      created_at: new Date(session.createdAt).toISOString(),
      last_seen_at: new Date(session.lastSeenAt).toISOString(),
      ip: session.lastIp ?? session.ip,
      user_agent: session.userAgent,
      ...summarizeUserAgent(session.userAgent),
    };
  }
}
