import { Inject } from '@nestjs/common';
import {
  OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
  WsResponse,
} from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import {
  AuthorizeSocket,
  LiveSocketAuthenticator,
  liveClaimsOf,
  selectSubprotocol,
} from 'nestjs-jwt-revocation/websockets';

/** The subprotocol clients offer next to `bearer.<access token>`. */
export const NOTIFICATIONS_PROTOCOL = 'notifications.v1';

/**
 * `GET /live/notifications` (WebSocket): the signed-in user's notifications. Open it with
 * `new WebSocket(url, ['notifications.v1', 'bearer.' + accessToken])`; it is closed with
 * `4401 token_revoked` on logout, password change, role change, suspension or deletion, and with
 * `4401 token_expired` when the token expires unless the client sent
 * `{ "event": "reauthenticate", "data": { "token": "<new access token>" } }` in time.
 */
@AuthorizeSocket()
@WebSocketGateway({ path: '/live/notifications', handleProtocols: selectSubprotocol })
export class NotificationsGateway implements OnGatewayConnection<WebSocket> {
  constructor(@Inject(LiveSocketAuthenticator) private readonly live: LiveSocketAuthenticator) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const claims = this.live.authenticate(socket, request, { gateway: this });
    if (!claims) return;
    socket.send(JSON.stringify({ event: 'ready', data: { sub: claims.sub, sid: claims.sid } }));
  }

  /** `{ "event": "ping" }` -> `{ "event": "pong", "data": { "exp": <token expiry> } }`. */
  @SubscribeMessage('ping')
  ping(socket: WebSocket): WsResponse<{ exp: number }> {
    return { event: 'pong', data: { exp: liveClaimsOf(socket)!.exp } };
  }
}
