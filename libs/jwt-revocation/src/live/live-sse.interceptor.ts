import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  MessageEvent,
  NestInterceptor,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { CLAIMS_REQUEST_KEY } from '../decorators/current-claims.decorator';
import { MissingTokenException } from '../jwt-revocation.exceptions';
import type { AccessTokenClaims } from '../tokens/token.claims';
import { LiveCloseReason, LiveConnectionRegistry } from './live-connection.registry';

/** The `event:` name of the last message of a stream the library ends, by reason. */
export const LIVE_SSE_FINAL_EVENTS: Record<LiveCloseReason, string> = {
  token_revoked: 'revoked',
  token_expired: 'expired',
  claims_changed: 'revoked',
};

/**
 * Registers an `@Sse()` stream of an authenticated request (put it after the guard, e.g. with
 * `@Authorize()`), and ends it when the token is revoked or expires: a last message
 * `event: revoked` (or `event: expired`) with `data: {"reason":"token_revoked"}` (or `claims_changed`: refresh and reconnect), then the response ends.
 */
@Injectable()
export class LiveSseInterceptor implements NestInterceptor {
  constructor(@Inject(LiveConnectionRegistry) private readonly registry: LiveConnectionRegistry) {}

  intercept(context: ExecutionContext, next: CallHandler<MessageEvent>): Observable<MessageEvent> {
    const request = context.switchToHttp().getRequest<Record<string, unknown>>();
    const claims = request[CLAIMS_REQUEST_KEY] as AccessTokenClaims | undefined;
    if (!claims) throw new MissingTokenException();
    return endWithToken(this.registry, claims, next.handle());
  }
}

/** `@UseInterceptors(LiveSseInterceptor)`: the stream ends with the token. */
export const LiveStream = () => applyDecorators(UseInterceptors(LiveSseInterceptor));

/**
 * Mirrors `source` until the token of `claims` is revoked or expires, then sends the final event and
 * completes. Each message is checked first: none goes out on a revoked token, even before the sweep
 * reaches the stream.
 */
export function endWithToken(
  registry: LiveConnectionRegistry,
  claims: AccessTokenClaims,
  source: Observable<MessageEvent>,
): Observable<MessageEvent> {
  return new Observable<MessageEvent>((subscriber) => {
    const connection = registry.register(claims, (reason) => {
      subscriber.next({ type: LIVE_SSE_FINAL_EVENTS[reason], data: { reason } });
      subscriber.complete();
    });
    const subscription = source.subscribe({
      next: (message) => {
        if (connection.recheck()) subscriber.next(message);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => {
      connection.unregister();
      subscription.unsubscribe();
    };
  });
}
