import { Inject, Injectable } from '@nestjs/common';
import { RevocationContext, RevocationService } from '../revocation/revocation.service';
import type { RevocationReason } from '../storage/revocation-store.interface';
import {
  AccountEvent,
  JwtRevocationEvents,
  LoggedOutEvent,
  PasswordChangedEvent,
  RolesChangedEvent,
  SuspiciousActivityEvent,
  TokenRevocationRequestedEvent,
} from './jwt-revocation.events';
import { OnEvent } from './optional-event-emitter';

/** Errors reach `emitAsync` callers, so a failed revocation is never mistaken for a done one. */
const LISTEN = { suppressErrors: false };

function context(reason: RevocationReason, e: AccountEvent): RevocationContext {
  return {
    reason,
    actor: e.actor,
    transaction: e.transaction,
    ...(e.count === false ? { count: false } : {}),
  };
}

/** Maps the trigger events to revocations. Active when the app imports `EventEmitterModule.forRoot()`. */
@Injectable()
export class RevocationEventsListener {
  constructor(@Inject(RevocationService) private readonly revocations: RevocationService) {}

  @OnEvent(JwtRevocationEvents.PasswordChanged, LISTEN)
  onPasswordChanged(e: PasswordChangedEvent) {
    return this.revocations.revokeUser(e.userId, context('password_change', e));
  }

  @OnEvent(JwtRevocationEvents.RolesChanged, LISTEN)
  onRolesChanged(e: RolesChangedEvent) {
    return this.revocations.changeClaims(e.userId, context('role_change', e));
  }

  @OnEvent(JwtRevocationEvents.AccountSuspended, LISTEN)
  onAccountSuspended(e: AccountEvent) {
    return this.revocations.revokeUser(e.userId, context('account_suspended', e));
  }

  @OnEvent(JwtRevocationEvents.AccountDeleted, LISTEN)
  onAccountDeleted(e: AccountEvent) {
    return this.revocations.revokeUser(e.userId, context('account_deleted', e));
  }

  @OnEvent(JwtRevocationEvents.LoggedOut, LISTEN)
  onLoggedOut(e: LoggedOutEvent) {
    return this.revocations.revokeSession(e.sessionId, {
      reason: 'logout',
      actor: e.actor ?? e.userId,
    });
  }

  @OnEvent(JwtRevocationEvents.LoggedOutEverywhere, LISTEN)
  onLoggedOutEverywhere(e: AccountEvent) {
    return this.revocations.revokeUser(e.userId, context('logout_all', { actor: e.userId, ...e }));
  }

  @OnEvent(JwtRevocationEvents.TokenRevocationRequested, LISTEN)
  onTokenRevocationRequested(e: TokenRevocationRequestedEvent) {
    return this.revocations.revokeToken(
      e.jti,
      { reason: e.reason ?? 'logout', actor: e.actor },
      e.expiresAt,
    );
  }

  @OnEvent(JwtRevocationEvents.SuspiciousActivity, LISTEN)
  async onSuspiciousActivity(e: SuspiciousActivityEvent) {
    const context = { reason: e.reason ?? 'suspicious_activity', actor: e.actor };
    let revoked = 0;
    if (e.jti)
      revoked += (await this.revocations.revokeToken(e.jti, context, e.jtiExpiresAt)).revoked;
    if (e.sessionId)
      revoked += (await this.revocations.revokeSession(e.sessionId, context)).revoked;
    if (e.userId) revoked += (await this.revocations.revokeUser(e.userId, context)).revoked;
    if (e.ip) revoked += (await this.revocations.revokeIp(e.ip, context)).revoked;
    return { revoked };
  }
}
