import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { parseSubject, SignalEventTypes } from './signal-events';
import { SignalRejectedError } from './signal.errors';
import { SignalReceiver, type SignalAction, type SignalReceipt } from './signal.receiver';
import { SignalVerifier } from './signal.verifier';
import { SignalsConfig } from './signals.config';

/** The media type of a pushed SET (RFC 8935 §2). */
export const SECEVENT_MEDIA_TYPE = 'application/secevent+jwt';

const SCOPES: Record<string, SignalAction['scope']> = {
  [SignalEventTypes.SessionRevoked]: 'session',
  [SignalEventTypes.CredentialChange]: 'user',
  [SignalEventTypes.TokenClaimsChange]: 'claims',
  [SignalEventTypes.AccountDisabled]: 'user',
  [SignalEventTypes.AccountPurged]: 'user',
  [SignalEventTypes.SessionsRevoked]: 'user',
};

/**
 * SSF push receiver (RFC 8935) of CAEP and RISC events. `receive(body, contentType)` verifies the
 * SET (RFC 8417) and applies it once per `(iss, jti)`: CAEP `session-revoked` ends sessions,
 * `token-claims-change` refreshes the user's claims (`changeClaims`: earlier access tokens are
 * refused, sessions live on), `credential-change` and RISC `account-disabled`, `account-purged`
 * and `sessions-revoked` end the user. Answer 202 on success; it throws `SignalRejectedError`
 * (its `status` and `toJSON()` are the RFC 8935 §2.3 answer) or `SignalUnavailableError` (503).
 */
@Injectable()
export class SsfPushReceiver {
  constructor(
    @Inject(SignalsConfig) private readonly config: SignalsConfig,
    @Inject(SignalVerifier) private readonly verifier: SignalVerifier,
    @Inject(SignalReceiver) private readonly receiver: SignalReceiver,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async receive(body: unknown, contentType: string | undefined): Promise<SignalReceipt> {
    if (this.config.ssf.size === 0) {
      throw new SignalRejectedError('access_denied', 'No SSF transmitter is configured');
    }
    const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (type !== SECEVENT_MEDIA_TYPE) {
      throw new SignalRejectedError('invalid_request', `The body must be ${SECEVENT_MEDIA_TYPE}`);
    }
    const token =
      typeof body === 'string'
        ? body.trim()
        : Buffer.isBuffer(body)
          ? body.toString('utf8').trim()
          : undefined;
    const signal = await this.verifier.verify(token, this.config.ssf, {
      types: ['secevent+jwt'],
      maxAgeMs: this.config.setMaxAgeMs,
      toleranceMs: this.config.clockToleranceMs,
    });
    const events = signal.payload.events;
    if (
      typeof events !== 'object' ||
      events === null ||
      Array.isArray(events) ||
      Object.keys(events).length === 0
    ) {
      throw new SignalRejectedError('invalid_request', 'events must be a non-empty object');
    }
    const topSubject = signal.payload.sub_id;
    const actions: SignalAction[] = [];
    for (const [event, value] of Object.entries(events as Record<string, unknown>)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SignalRejectedError('invalid_request', `The event ${event} is not an object`);
      }
      const scope = SCOPES[event];
      if (!scope) continue;
      // SSF 1.0 names the subject in `sub_id`; earlier drafts inside each event.
      const raw = topSubject ?? (value as { subject?: unknown }).subject;
      const subject = parseSubject(raw);
      if (!subject) {
        throw new SignalRejectedError(
          'invalid_request',
          `The event ${event} has no valid subject (sub_id)`,
        );
      }
      actions.push({ event, scope, subject });
    }
    return this.receiver.apply('ssf', signal, Object.keys(events), actions, this.clock.now());
  }
}
