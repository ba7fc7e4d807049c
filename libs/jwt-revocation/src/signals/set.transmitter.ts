import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { SignJWT } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Clock } from '../clock';
import { RevocationStore, type RevocationChange } from '../storage/revocation-store.interface';
import { SignalEventTypes, type SignalSubject } from './signal-events';
import { SignalMetrics } from './signal.metrics';
import { RECEIVED_SIGNAL_REASONS } from './signal.receiver';
import { SignalStore } from './signal-store.interface';
import { SignalsConfig, type NormalizedTransmitter } from './signals.config';
import type { SetReceiverEndpoint } from './signals.options';
import { SECEVENT_MEDIA_TYPE } from './ssf-push.receiver';

const BATCH = 100;
const RECEIVED = new Set<string>(Object.values(RECEIVED_SIGNAL_REASONS));

/** Where one receiver's deliveries stand, on this instance. */
export interface SetReceiverStatus {
  name: string;
  /** This instance holds the receiver's lease and is the one sending to it. */
  sending: boolean;
  /** The last change delivered (or skipped), as this instance last read it. */
  cursor: number | null;
  delivered: number;
  /** SETs the receiver refused with 400 (not retried). */
  rejected: number;
  /** Consecutive failed pushes; the next one waits `retryDelay * 2^(failures-1)`. */
  failures: number;
  lastError: string | null;
  lastDeliveredAt: number | null;
  nextAttemptAt: number | null;
}

/** One SET, ready to push. */
interface OutgoingSet {
  token: string;
  jti: string;
  event: string;
  subject: string;
}

type PushResult =
  { kind: 'delivered' } | { kind: 'rejected'; error: string } | { kind: 'retry'; error: string };

/**
 * Sends revocations as SETs (RFC 8417) pushed per RFC 8935. The store's change log, written in the
 * revocation's own transaction, is the outbox: each receiver has a durable cursor in it, moved only
 * after the receiver answered 202 (or refused the SET with 400), so delivery is at least once and
 * survives restarts and `kill -9`. One instance at a time sends to a receiver (a lease row); a SET
 * sent twice (a crash between the 202 and the cursor's move, or a lease taken over) carries the
 * same `jti`, derived from the change, for the receiver to drop.
 */
@Injectable()
export class SetTransmitter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('JwtSignals');
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly states = new Map<
    string,
    SetReceiverStatus & { gap?: { seq: number; since: number } }
  >();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(SignalsConfig) private readonly config: SignalsConfig,
    @Inject(SignalStore) private readonly signals: SignalStore,
    @Inject(RevocationStore) private readonly revocations: RevocationStore,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(SignalMetrics) private readonly metrics: SignalMetrics,
  ) {
    for (const receiver of config.transmitter?.receivers ?? []) {
      this.states.set(receiver.name, {
        name: receiver.name,
        sending: false,
        cursor: null,
        delivered: 0,
        rejected: 0,
        failures: 0,
        lastError: null,
        lastDeliveredAt: null,
        nextAttemptAt: null,
      });
    }
  }

  onApplicationBootstrap(): void {
    if (this.config.transmitter && this.config.transmitter.receivers.length > 0) this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const receiver of this.config.transmitter?.receivers ?? []) {
      if (this.states.get(receiver.name)?.sending) {
        await this.signals.unlease(receiver.name, this.owner).catch(() => undefined);
      }
    }
  }

  /** Each receiver's deliveries as this instance sees them. */
  status(): SetReceiverStatus[] {
    return [...this.states.values()].map(({ gap: _gap, ...status }) => ({ ...status }));
  }

  /** Delivers what is due now (the timer calls it; tests may too). */
  async runOnce(): Promise<void> {
    const t = this.config.transmitter;
    if (!t) return;
    for (const receiver of t.receivers) {
      const state = this.states.get(receiver.name)!;
      if (state.nextAttemptAt !== null && Date.now() < state.nextAttemptAt) continue;
      try {
        await this.deliver(t, receiver, state);
      } catch (error) {
        this.fail(t, state, `store: ${String(error)}`);
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.config.transmitter!.pollIntervalMs);
      });
    }, delayMs);
    this.timer.unref?.();
  }

  private async deliver(
    t: NormalizedTransmitter,
    receiver: SetReceiverEndpoint,
    state: SetReceiverStatus & { gap?: { seq: number; since: number } },
  ): Promise<void> {
    // Leases compare wall-clock times across processes, not the injectable clock.
    const cursor = await this.signals.lease(receiver.name, this.owner, Date.now(), t.leaseTtlMs);
    state.sending = cursor !== null;
    if (cursor === null) return;
    state.cursor = cursor;
    const changes = await this.revocations.changesSince(cursor, BATCH);
    let expected = cursor + 1;
    for (const change of changes) {
      if (this.stopped) return;
      if (change.seq > expected && !this.gapSettled(t, state, expected)) return;
      const set = await this.setFor(t, receiver, change);
      if (set) {
        const result = await this.push(t, receiver, set.token);
        if (result.kind === 'retry') return this.fail(t, state, result.error);
        await this.signals.recordSent({
          direction: 'sent',
          protocol: 'ssf',
          issuer: t.issuer,
          jti: set.jti,
          peer: receiver.name,
          events: [set.event],
          subject: set.subject.slice(0, 255),
          outcome:
            result.kind === 'delivered' ? 'delivered' : `rejected:${result.error}`.slice(0, 32),
          count: 0,
          createdAt: this.clock.now(),
        });
        this.metrics.recordSent(receiver.name, result.kind);
        if (result.kind === 'delivered') {
          state.delivered++;
          state.lastDeliveredAt = Date.now();
        } else {
          state.rejected++;
          this.logger.warn(`Receiver ${receiver.name} refused SET ${set.jti}: ${result.error}`);
        }
      }
      if (!(await this.signals.advance(receiver.name, this.owner, change.seq))) {
        state.sending = false;
        return;
      }
      state.cursor = change.seq;
      state.failures = 0;
      state.nextAttemptAt = null;
      state.lastError = null;
      state.gap = undefined;
      expected = change.seq + 1;
    }
  }

  /**
   * A missing `seq` is a transaction that has not committed yet (commits land out of order), one
   * rolled back, or a purged change: it is waited for `gapWaitMs`, then skipped.
   */
  private gapSettled(
    t: NormalizedTransmitter,
    state: { gap?: { seq: number; since: number } },
    expected: number,
  ): boolean {
    if (!state.gap || state.gap.seq !== expected) {
      state.gap = { seq: expected, since: Date.now() };
      return false;
    }
    return Date.now() - state.gap.since >= t.gapWaitMs;
  }

  private fail(t: NormalizedTransmitter, state: SetReceiverStatus, error: string): void {
    state.failures++;
    state.lastError = error.slice(0, 300);
    const delay = Math.min(t.maxRetryDelayMs, t.retryDelayMs * 2 ** (state.failures - 1));
    state.nextAttemptAt = Date.now() + delay;
    this.metrics.recordSent(state.name, 'failed');
    if (state.failures === 1 || state.failures % 10 === 0) {
      this.logger.warn(
        `Pushing SETs to ${state.name} failed (${state.failures}x): ${state.lastError}`,
      );
    }
  }

  /**
   * The SET a change is sent as, or `null` for changes no SET describes. The change log carries no
   * reason nor subject: a session's come from its row (`revoked_reason`, `subject`), a user-wide
   * revocation's from its audit entry, written in the same transaction with the same time.
   */
  private async setFor(
    t: NormalizedTransmitter,
    receiver: SetReceiverEndpoint,
    change: RevocationChange,
  ): Promise<OutgoingSet | null> {
    let event: string;
    let subject: SignalSubject;
    let eventTimestamp: number;
    let extra: Record<string, unknown> = {};
    if (change.kind === 'session') {
      const session = await this.revocations.findSession(change.target);
      if (session?.revokedReason && RECEIVED.has(session.revokedReason)) return null;
      const sessionId: SignalSubject = { format: 'opaque', id: change.target };
      subject = session
        ? {
            format: 'complex',
            user: { format: 'iss_sub', iss: t.issuer, sub: session.subject },
            session: sessionId,
          }
        : sessionId;
      event = SignalEventTypes.SessionRevoked;
      eventTimestamp = session?.revokedAt ?? this.clock.now();
    } else if (change.kind === 'user') {
      const at = change.at ?? 0;
      const audit = await this.revocations.queryAudit({
        limit: 50,
        kind: 'user',
        target: change.target,
      });
      const reason = audit.find((entry) => entry.createdAt === at)?.reason;
      if (reason !== undefined && RECEIVED.has(reason)) return null;
      subject = { format: 'iss_sub', iss: t.issuer, sub: change.target };
      eventTimestamp = at;
      if (reason === 'password_change') {
        event = SignalEventTypes.CredentialChange;
        extra = { credential_type: 'password', change_type: 'update' };
      } else {
        event = SignalEventTypes.SessionsRevoked;
      }
    } else {
      return null;
    }
    const jti = createHash('sha256')
      .update(
        [
          t.issuer,
          change.seq,
          change.kind,
          change.target,
          change.version,
          change.expiresAt,
          change.at ?? '',
        ].join('\n'),
      )
      .digest('base64url')
      .slice(0, 32);
    const token = await new SignJWT({
      sub_id: subject,
      events: { [event]: { event_timestamp: Math.floor(eventTimestamp / 1000), ...extra } },
    })
      .setProtectedHeader({
        alg: t.key.alg,
        typ: 'secevent+jwt',
        ...(t.key.kid ? { kid: t.key.kid } : {}),
      })
      .setIssuer(t.issuer)
      .setAudience(receiver.audience)
      .setIssuedAt(Math.floor(this.clock.now() / 1000))
      .setJti(jti)
      .sign(t.key.signKey);
    return { token, jti, event, subject: JSON.stringify(subject) };
  }

  private async push(
    t: NormalizedTransmitter,
    receiver: SetReceiverEndpoint,
    token: string,
  ): Promise<PushResult> {
    let response: Response;
    try {
      response = await fetch(receiver.endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': SECEVENT_MEDIA_TYPE,
          Accept: 'application/json',
          ...(receiver.authorization ? { Authorization: receiver.authorization } : {}),
        },
        body: token,
        signal: AbortSignal.timeout(t.pushTimeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      return { kind: 'retry', error: `push: ${(error as Error).message}` };
    }
    const text = await response.text().catch(() => '');
    if (response.status === 202) return { kind: 'delivered' };
    if (response.status === 400) {
      let err = 'invalid_request';
      try {
        err = String((JSON.parse(text) as { err?: unknown }).err ?? err);
      } catch {
        // not the RFC 8935 JSON: keep the generic code
      }
      return { kind: 'rejected', error: err };
    }
    return { kind: 'retry', error: `HTTP ${response.status}` };
  }
}
