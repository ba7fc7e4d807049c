import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccessTokenClaims, Authorize, CurrentClaims, LiveStream } from 'nestjs-jwt-revocation';
import { concat, interval, map, Observable, of } from 'rxjs';

/** Keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

@ApiTags('me')
@Authorize()
@Controller('me')
export class MeEventsController {
  /**
   * Server-Sent Events for the signed-in user: `event: ready` first, then `event: ping` heartbeats;
   * the stream ends with `event: revoked` when the token is revoked (or `event: expired`).
   */
  @Sse('events')
  @LiveStream()
  @ApiOkResponse({ description: 'text/event-stream' })
  events(@CurrentClaims() claims: AccessTokenClaims): Observable<MessageEvent> {
    return concat(
      of({ type: 'ready', data: { sub: claims.sub, sid: claims.sid } }),
      interval(HEARTBEAT_MS).pipe(map(() => ({ type: 'ping', data: {} }))),
    );
  }
}
