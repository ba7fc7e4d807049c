import { Inject, Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-jwt-revocation';
import { SampleConfig } from '../config/sample.config';

/** Keys tracked at once; beyond this the oldest are forgotten, so a flood cannot exhaust memory. */
const MAX_TRACKED_KEYS = 100_000;

/**
 * Counts failed logins per account and per IP in a sliding window (in this process). While either
 * count is at its limit, `retryAfter` says how many seconds until the oldest failure leaves the window.
 */
@Injectable()
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly windowMs: number;

  constructor(
    @Inject(SampleConfig) private readonly config: SampleConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.windowMs = config.login.failureWindow * 1000;
  }

  /** Seconds to wait before `email` may be tried again from `ip`; 0 when allowed now. */
  retryAfter(email: string, ip: string | null): number {
    const now = this.clock.now();
    const waits = this.limits(email, ip).map(([key, limit]) => {
      const times = this.recent(key, now);
      return times.length < limit ? 0 : times[times.length - limit] + this.windowMs - now;
    });
    return Math.ceil(Math.max(0, ...waits) / 1000);
  }

  recordFailure(email: string, ip: string | null): void {
    const now = this.clock.now();
    for (const [key, limit] of this.limits(email, ip)) {
      const times = [...this.recent(key, now), now].slice(-limit);
      this.failures.delete(key);
      if (this.failures.size >= MAX_TRACKED_KEYS) this.forgetLeastRecent();
      this.failures.set(key, times);
    }
  }

  /** A successful login clears the account's failures (not the IP's). */
  recordSuccess(email: string): void {
    this.failures.delete(`account:${email}`);
  }

  private limits(email: string, ip: string | null): [key: string, limit: number][] {
    const { maxFailuresPerAccount, maxFailuresPerIp } = this.config.login;
    const limits: [string, number][] = [[`account:${email}`, maxFailuresPerAccount]];
    if (ip) limits.push([`ip:${ip}`, maxFailuresPerIp]);
    return limits;
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }

  /** Keys are re-inserted on every failure, so the first one failed least recently. */
  private forgetLeastRecent(): void {
    const first = this.failures.keys().next();
    if (!first.done) this.failures.delete(first.value);
  }
}
