import { applyDecorators, UseGuards } from '@nestjs/common';
import { Roles } from '../decorators/roles.decorator';
import { LiveSocketGuard } from './live-socket.guard';

/**
 * `@Authorize()` for `@nestjs/websockets` gateways (`ws` and socket.io): requires a socket
 * authenticated by `LiveSocketAuthenticator`, with an unrevoked token carrying any one of `roles`
 * (none: any authenticated user).
 *
 * On the gateway class, the roles apply to every message and, when `handleConnection` passes
 * `{ gateway: this }` to the authenticator, to the connection itself (refused with
 * `4403 insufficient_scope`). On a `@SubscribeMessage()` handler, its roles replace the class's for
 * that message; a refused message is answered with an `exception` event (`insufficient_scope`,
 * `token_revoked` or `unauthorized`) and the socket stays open.
 */
export const AuthorizeSocket = (...roles: string[]): MethodDecorator & ClassDecorator =>
  applyDecorators(Roles(roles), UseGuards(LiveSocketGuard));
