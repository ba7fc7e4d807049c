import { Inject, Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-jwt-revocation';
import { SampleConfig } from '../config/sample.config';
import { LoginAttemptStore } from './login-attempt.store';

/**
 * Counts failed logins per account and per IP in fixed windows kept in a `LoginAttemptStore`
 * shared by every instance (Redis or the database). While either count is at its limit,
 * `retryAfter` says how many seconds until its window closes.
 */
@Injectable()
export class LoginThrottle {
  private readonly windowMs: number;

  constructor(
    @Inject(SampleConfig) private readonly config: SampleConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LoginAttemptStore) private readonly store: LoginAttemptStore,
  ) {
    this.windowMs = config.login.failureWindow * 1000;
  }

  /** Seconds to wait before `email` may be tried again from `ip`; 0 when allowed now. */
  async retryAfter(email: string, ip: string | null): Promise<number> {
    const now = this.clock.now();
    let wait = 0;
    for (const [key, limit] of this.limits(email, ip)) {
      const window = await this.store.peek(key, now);
      if (window && window.count >= limit) wait = Math.max(wait, window.resetAt - now);
    }
    return Math.ceil(wait / 1000);
  }

  async recordFailure(email: string, ip: string | null): Promise<void> {
    const now = this.clock.now();
    for (const [key] of this.limits(email, ip)) await this.store.hit(key, now, this.windowMs);
  }

  /** A successful login clears the account's failures (not the IP's). */
  async recordSuccess(email: string): Promise<void> {
    await this.store.clear(`account:${email}`);
  }

  private limits(email: string, ip: string | null): [key: string, limit: number][] {
    const { maxFailuresPerAccount, maxFailuresPerIp } = this.config.login;
    const limits: [string, number][] = [[`account:${email}`, maxFailuresPerAccount]];
    if (ip) limits.push([`ip:${ip}`, maxFailuresPerIp]);
    return limits;
  }
}
