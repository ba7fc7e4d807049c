import { Injectable, MessageEvent, OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { JwtRevocationEvents } from 'nestjs-jwt-revocation';
import type { TokenRevokedEvent } from 'nestjs-jwt-revocation';
import { map, Observable, Subject } from 'rxjs';

/** One revocation as the admin console's live feed shows it. */
export interface RevocationFeedItem {
  kind: string;
  target: string | null;
  reason: string;
  actor: string | null;
  /** Null for a revocation made without counting (`count: false`). */
  count: number | null;
  created_at: string;
}

function targetOf(target: TokenRevokedEvent['target']): string | null {
  switch (target.kind) {
    case 'jti':
      return target.jti;
    case 'session':
      return target.sessionId;
    case 'user':
      return target.subject;
    case 'ip':
      return target.ip;
    default:
      return null;
  }
}

/**
 * The revocations made by this instance, as they become durable (the library's `TokenRevoked`
 * event). Revocations made on other instances reach the audit trail, not this feed.
 */
@Injectable()
export class RevocationFeed implements OnModuleDestroy {
  private readonly revocations = new Subject<RevocationFeedItem>();

  @OnEvent(JwtRevocationEvents.TokenRevoked)
  revoked(event: TokenRevokedEvent): void {
    this.revocations.next({
      kind: event.target.kind,
      target: targetOf(event.target),
      reason: event.reason,
      actor: event.actor,
      count: event.count,
      created_at: new Date(event.at).toISOString(),
    });
  }

  /** `event: revocation` messages from now on. */
  stream(): Observable<MessageEvent> {
    return this.revocations.pipe(map((data) => ({ type: 'revocation', data })));
  }

  onModuleDestroy(): void {
    this.revocations.complete();
  }
}
