import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { WsException } from '@nestjs/websockets';
import { Roles } from '../decorators/roles.decorator';
import { RevocationService } from '../revocation/revocation.service';
import { liveClaimsOf } from './live-socket.authenticator';

/**
 * For `@SubscribeMessage()` handlers of a gateway whose sockets `LiveSocketAuthenticator`
 * authenticated: refuses a message from an unauthenticated or revoked socket, and checks the
 * `@Roles()` of the handler (or of the gateway) against the socket's current token. Bound with
 * `@AuthorizeSocket(...roles)`; a refusal is a `WsException` (`unauthorized`, `token_revoked` or
 * `insufficient_scope`), which Nest answers with an `exception` event without closing the socket.
 */
@Injectable()
export class LiveSocketGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(RevocationService) private readonly revocations: RevocationService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const claims = liveClaimsOf(context.switchToWs().getClient<object>());
    if (!claims) throw new WsException('unauthorized');
    if (this.revocations.check(claims) !== undefined) throw new WsException('token_revoked');
    const roles = this.reflector.getAllAndOverride(Roles, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (roles?.length && !roles.some((role) => claims.roles.includes(role))) {
      throw new WsException('insufficient_scope');
    }
    return true;
  }
}
