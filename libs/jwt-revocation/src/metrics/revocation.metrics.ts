import { Injectable } from '@nestjs/common';

/** Receives every measurement as it happens (the Prometheus adapter is one). Keep it cheap: checks call it per request. */
export interface RevocationMetricsListener {
  checked?(result: 'accepted' | 'rejected', reason?: string): void;
  /** `count` is null for a revocation made with `count: false`. */
  revoked?(reason: string, count: number | null): void;
  propagated?(lagMs: number, via: string): void;
}

/** Counters of checks, rejections, revocations and propagation lag, with listeners for exporters. */
@Injectable()
export class RevocationMetrics {
  accepted = 0;
  readonly rejections = new Map<string, number>();
  readonly revocations = new Map<string, number>();
  lastPropagationLagMs: number | null = null;
  private listeners: RevocationMetricsListener[] = [];

  addListener(listener: RevocationMetricsListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  recordAccepted(): void {
    this.accepted++;
    for (const l of this.listeners) l.checked?.('accepted');
  }

  recordRejected(reason: string): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
    for (const l of this.listeners) l.checked?.('rejected', reason);
  }

  recordRevocation(reason: string, count: number | null): void {
    this.revocations.set(reason, (this.revocations.get(reason) ?? 0) + 1);
    for (const l of this.listeners) l.revoked?.(reason, count);
  }

  recordPropagation(lagMs: number, via: string): void {
    this.lastPropagationLagMs = lagMs;
    for (const l of this.listeners) l.propagated?.(lagMs, via);
  }
}
