import { Inject, Injectable, Logger } from '@nestjs/common';
import { RevocationService } from '../revocation/revocation.service';
import { storeFailureOf } from '../storage/store-errors';
import { describeSubject, SignalEventTypes, type SignalSubject } from './signal-events';
import { SignalRejectedError, SignalUnavailableError } from './signal.errors';
import { SignalMetrics } from './signal.metrics';
import type { VerifiedSignal } from './signal.verifier';
import { SignalStore, type SignalProtocol } from './signal-store.interface';
import type { SignalSource } from './signal-subject.resolver';
import { SignalsConfig } from './signals.config';

/** Revocation reasons of revocations made for received signals (never sent on as SETs). */
export const RECEIVED_SIGNAL_REASONS = {
  [SignalEventTypes.BackChannelLogout]: 'idp_logout',
  [SignalEventTypes.SessionRevoked]: 'idp_session_revoked',
  [SignalEventTypes.CredentialChange]: 'idp_credential_change',
  [SignalEventTypes.TokenClaimsChange]: 'idp_claims_change',
  [SignalEventTypes.AccountDisabled]: 'idp_account_disabled',
  [SignalEventTypes.AccountPurged]: 'idp_account_purged',
  [SignalEventTypes.SessionsRevoked]: 'idp_sessions_revoked',
} as const;

/**
 * What one event asks: end a session (falling back to its user), end a user, or refresh a user's
 * claims (`RevocationService.changeClaims`: tokens minted before are refused, sessions live on).
 */
export interface SignalAction {
  event: string;
  scope: 'session' | 'user' | 'claims';
  subject: SignalSubject;
}

/** What a received signal did. */
export interface SignalReceipt {
  issuer: string;
  jti: string;
  /** `revoked`, `no_match` (no local user or session) or `ignored` (no event this library acts on). */
  outcome: 'revoked' | 'no_match' | 'ignored';
  /** Sessions ended. */
  revoked: number;
}

/** Applies verified signals once (the replay guard), through `RevocationService`, and audits them. */
@Injectable()
export class SignalReceiver {
  private readonly logger = new Logger('JwtSignals');

  constructor(
    @Inject(SignalsConfig) private readonly config: SignalsConfig,
    @Inject(SignalStore) private readonly store: SignalStore,
    @Inject(RevocationService) private readonly revocations: RevocationService,
    @Inject(SignalMetrics) private readonly metrics: SignalMetrics,
  ) {}

  async apply(
    protocol: SignalProtocol,
    signal: VerifiedSignal,
    events: string[],
    actions: SignalAction[],
    at: number,
  ): Promise<SignalReceipt> {
    const jti = signal.payload.jti as string;
    const subject = actions.length > 0 ? describeSubject(actions[0].subject).slice(0, 255) : null;
    let claimed: boolean;
    try {
      claimed = await this.store.claim(
        {
          direction: 'received',
          protocol,
          issuer: signal.issuer,
          jti,
          peer: '',
          events,
          subject,
          outcome: 'pending',
          count: 0,
          createdAt: at,
        },
        this.config.staleClaimMs,
      );
    } catch (error) {
      this.metrics.recordReceived(protocol, 'unavailable');
      throw unavailable(error);
    }
    if (!claimed) {
      this.metrics.recordReceived(protocol, 'replayed');
      throw new SignalRejectedError(
        'invalid_request',
        'The token was received before (jti replay)',
      );
    }
    const source: SignalSource = { protocol, issuer: signal.issuer };
    let revoked = 0;
    let matched = false;
    try {
      for (const action of actions) {
        const ended = await this.run(action, source, jti);
        if (ended !== null) {
          matched = true;
          revoked += ended;
        }
      }
    } catch (error) {
      await this.store.release(signal.issuer, jti).catch(() => undefined);
      this.metrics.recordReceived(protocol, 'unavailable');
      this.logger.warn(
        `A ${protocol} signal from ${signal.issuer} could not be applied: ${String(error)}`,
      );
      throw unavailable(error);
    }
    const outcome = actions.length === 0 ? 'ignored' : matched ? 'revoked' : 'no_match';
    // Once more on failure: a record left `pending` could be taken over by a replay past `staleClaimMs`.
    const settle = () => this.store.settle(signal.issuer, jti, outcome, revoked, subject);
    await settle()
      .catch(settle)
      .catch((error: unknown) => {
        // The revocation is durable; only the audit line keeps `pending`.
        this.logger.error(
          `Could not record the outcome of ${signal.issuer} ${jti}: ${String(error)}`,
        );
      });
    this.metrics.recordReceived(protocol, outcome);
    return { issuer: signal.issuer, jti, outcome, revoked };
  }

  /** Sessions ended, or `null` when nothing local matched. */
  private async run(
    action: SignalAction,
    source: SignalSource,
    jti: string,
  ): Promise<number | null> {
    const resolver = this.config.resolver;
    const reason = RECEIVED_SIGNAL_REASONS[action.event as keyof typeof RECEIVED_SIGNAL_REASONS];
    const context = { reason, actor: `${source.protocol} ${source.issuer} jti=${jti}` };
    const s = action.subject;
    const complex =
      s.format === 'complex' ? (s as { user?: SignalSubject; session?: SignalSubject }) : null;
    const userSubject = complex ? complex.user : s;
    const sessionSubject = complex ? complex.session : undefined;
    const user = userSubject ? await resolver.resolveUser(userSubject, source) : null;
    if (action.scope === 'claims') {
      return user === null ? null : (await this.revocations.changeClaims(user, context)).revoked;
    }
    const sessionKey = action.scope === 'session' || !user ? sessionSubject : undefined;
    const sessions =
      sessionKey && resolver.resolveSessions
        ? await resolver.resolveSessions(sessionKey, user, source)
        : [];
    if (sessions.length > 0) {
      let count = 0;
      for (const id of sessions)
        count += (await this.revocations.revokeSession(id, context)).revoked;
      return count;
    }
    if (user !== null) return (await this.revocations.revokeUser(user, context)).revoked;
    return null;
  }
}

function unavailable(error: unknown): SignalUnavailableError {
  const failure = storeFailureOf(error);
  return new SignalUnavailableError(
    failure
      ? `The revocation store is unavailable (${failure})`
      : 'The signal could not be applied now',
  );
}
