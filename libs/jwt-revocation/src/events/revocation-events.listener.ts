import { Inject, Injectable } from '@nestjs/common';
import { RevocationService } from '../revocation/revocation.service';
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

/** Maps the trigger events to revocations. Active when the app imports `EventEmitterModule.forRoot()`. */
@Injectable()
export class RevocationEventsListener {
  constructor(@Inject(RevocationService) private readonly revocations: RevocationService) {}

  @OnEvent(JwtRevocationEvents.PasswordChanged, LISTEN)
  onPasswordChanged(e: PasswordChangedEvent) {
    return this.revocations.revokeUser(e.userId, { reason: 'password_change', actor: e.actor });
  }

  @OnEvent(JwtRevocationEvents.RolesChanged, LISTEN)
  onRolesChanged(e: RolesChangedEvent) {
    return this.revocations.revokeUser(e.userId, { reason: 'role_change', actor: e.actor });
  }

  @OnEvent(JwtRevocationEvents.AccountSuspended, LISTEN)
  onAccountSuspended(e: AccountEvent) {
    return this.revocations.revokeUser(e.userId, { reason: 'account_suspended', actor: e.actor });
  }

  @OnEvent(JwtRevocationEvents.AccountDeleted, LISTEN)
  onAccountDeleted(e: AccountEvent) {
    return this.revocations.revokeUser(e.userId, { reason: 'account_deleted', actor: e.actor });
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
    return this.revocations.revokeUser(e.userId, {
      reason: 'logout_all',
      actor: e.actor ?? e.userId,
    });
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
