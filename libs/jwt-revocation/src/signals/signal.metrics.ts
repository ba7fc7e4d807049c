import { Injectable } from '@nestjs/common';

/** Receives every signal measurement as it happens (e.g. to feed Prometheus counters). */
export interface SignalMetricsListener {
  received?(protocol: string, outcome: string): void;
  sent?(receiver: string, outcome: string): void;
}

/** Counts of received and sent signals, by outcome, with listeners for exporters. */
@Injectable()
export class SignalMetrics {
  /** `<protocol> <outcome>` → count; outcomes: revoked, no_match, ignored, replayed, rejected, unavailable. */
  readonly received = new Map<string, number>();
  /** `<receiver> <outcome>` → count; outcomes: delivered, rejected (a 400 from the receiver), failed (retried). */
  readonly sent = new Map<string, number>();
  private listeners: SignalMetricsListener[] = [];

  addListener(listener: SignalMetricsListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  recordReceived(protocol: string, outcome: string): void {
    const key = `${protocol} ${outcome}`;
    this.received.set(key, (this.received.get(key) ?? 0) + 1);
    for (const l of this.listeners) l.received?.(protocol, outcome);
  }

  recordSent(receiver: string, outcome: string): void {
    const key = `${receiver} ${outcome}`;
    this.sent.set(key, (this.sent.get(key) ?? 0) + 1);
    for (const l of this.listeners) l.sent?.(receiver, outcome);
  }
}
