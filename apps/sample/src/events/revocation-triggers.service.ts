import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  AccountEvent,
  JwtRevocationEvents,
  LoggedOutEvent,
  PasswordChangedEvent,
  RolesChangedEvent,
  SuspiciousActivityEvent,
  TokenRevocationRequestedEvent,
} from 'nestjs-jwt-revocation';

/**
 * Emits the library's revocation events. Each call resolves once the listener has made the
 * revocation durable (or, given the caller's `transaction`, written it there: it is durable and
 * enforced once that commits), and fails when it failed or nothing listened, so no response claims
 * a revocation that did not happen.
 */
@Injectable()
export class RevocationTriggers {
  constructor(@Inject(EventEmitter2) private readonly events: EventEmitter2) {}

  async passwordChanged(event: PasswordChangedEvent): Promise<void> {
    await this.emit(JwtRevocationEvents.PasswordChanged, event);
  }

  async rolesChanged(event: RolesChangedEvent): Promise<void> {
    await this.emit(JwtRevocationEvents.RolesChanged, event);
  }

  async accountSuspended(event: AccountEvent): Promise<void> {
    await this.emit(JwtRevocationEvents.AccountSuspended, event);
  }

  async accountDeleted(event: AccountEvent): Promise<void> {
    await this.emit(JwtRevocationEvents.AccountDeleted, event);
  }

  async loggedOut(event: LoggedOutEvent): Promise<void> {
    await this.emit(JwtRevocationEvents.LoggedOut, event);
  }

  async loggedOutEverywhere(event: AccountEvent): Promise<void> {
    await this.emit(JwtRevocationEvents.LoggedOutEverywhere, event);
  }

  async tokenRevocationRequested(event: TokenRevocationRequestedEvent): Promise<void> {
    await this.emit(JwtRevocationEvents.TokenRevocationRequested, event);
  }

  /** Returns how many sessions or tokens were ended. */
  async suspiciousActivity(event: SuspiciousActivityEvent): Promise<number> {
    const results = await this.emit(JwtRevocationEvents.SuspiciousActivity, event);
    return results.reduce<number>((sum, r) => sum + ((r as { revoked?: number })?.revoked ?? 0), 0);
  }

  private async emit(name: string, payload: object): Promise<unknown[]> {
    const results = await this.events.emitAsync(name, payload);
    if (results.length === 0) {
      throw new Error(
        `Nothing handled ${name}: import EventEmitterModule.forRoot() and JwtRevocationModule`,
      );
    }
    return results;
  }
}
