import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { SignalEventTypes, type SignalSubject } from './signal-events';
import { SignalRejectedError } from './signal.errors';
import { SignalReceiver, type SignalAction, type SignalReceipt } from './signal.receiver';
import { SignalVerifier } from './signal.verifier';
import { SignalsConfig } from './signals.config';

/**
 * OIDC Back-Channel Logout 1.0 receiver. `receive(logoutToken)` validates the logout token as
 * §2.6 requires, then ends the sessions (`sid`) or the user (`sub`) it names, once per `jti`.
 * Throws `SignalRejectedError` (answer 400 `{"error":"invalid_request"}`, §2.8) or
 * `SignalUnavailableError` (answer 503: the IdP retries).
 */
@Injectable()
export class BackChannelLogoutReceiver {
  constructor(
    @Inject(SignalsConfig) private readonly config: SignalsConfig,
    @Inject(SignalVerifier) private readonly verifier: SignalVerifier,
    @Inject(SignalReceiver) private readonly receiver: SignalReceiver,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async receive(logoutToken: unknown): Promise<SignalReceipt> {
    if (this.config.backChannelLogout.size === 0) {
      throw new SignalRejectedError('invalid_request', 'Back-channel logout is not configured');
    }
    const signal = await this.verifier.verify(logoutToken, this.config.backChannelLogout, {
      // §2.4 recommends explicit typing; tokens of IdPs that do not type them are still accepted.
      types: ['logout+jwt', 'jwt', ''],
      maxAgeMs: this.config.logoutMaxAgeMs,
      toleranceMs: this.config.clockToleranceMs,
    });
    const p = signal.payload;
    const events = p.events;
    const member =
      typeof events === 'object' && events !== null && !Array.isArray(events)
        ? (events as Record<string, unknown>)[SignalEventTypes.BackChannelLogout]
        : undefined;
    if (typeof member !== 'object' || member === null || Array.isArray(member)) {
      throw new SignalRejectedError(
        'invalid_request',
        'events must hold the back-channel logout event',
      );
    }
    if (p.nonce !== undefined) {
      throw new SignalRejectedError('invalid_request', 'A logout token must not contain a nonce');
    }
    const sub = nonEmpty(p.sub);
    const sid = nonEmpty(p.sid);
    if ((p.sub !== undefined && !sub) || (p.sid !== undefined && !sid) || (!sub && !sid)) {
      throw new SignalRejectedError(
        'invalid_request',
        'A logout token needs a sub and/or a sid string',
      );
    }
    const user: SignalSubject | undefined =
      sub === undefined ? undefined : { format: 'iss_sub', iss: signal.issuer, sub };
    const session: SignalSubject | undefined =
      sid === undefined ? undefined : { format: 'opaque', id: sid };
    const action: SignalAction = {
      event: SignalEventTypes.BackChannelLogout,
      scope: sid ? 'session' : 'user',
      subject: user && session ? { format: 'complex', user, session } : (user ?? session!),
    };
    return this.receiver.apply(
      'backchannel-logout',
      signal,
      Object.keys(events as object),
      [action],
      this.clock.now(),
    );
  }
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= 255 ? value : undefined;
}
