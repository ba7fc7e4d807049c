import { Inject, Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-jwt-revocation';
import { SampleConfig } from '../config/sample.config';
import { LoginAttemptStore } from './login-attempt.store';

/**
 * Limits password attempts per account and per IP in fixed windows kept in a `LoginAttemptStore`
 * shared by every instance (Redis or the database). An attempt is counted before the password is
 * checked, in one atomic step that also yields the count: concurrent attempts on any number of
 * instances can never pass the limit between a check and an increment. Attempts that turn out not
 * to be failures are taken back.
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

  /**
   * Counts an attempt for `email` from `ip`. Returns the seconds to wait when a limit is exceeded
   * (the attempt must not go ahead), 0 when it may.
   */
  async reserve(email: string, ip: string | null): Promise<number> {
    const now = this.clock.now();
    let wait = 0;
    for (const [key, limit] of this.limits(email, ip)) {
      const window = await this.store.hit(key, now, this.windowMs);
      if (window.count > limit) wait = Math.max(wait, window.resetAt - now, 1);
    }
    return Math.ceil(wait / 1000);
  }

  /** The reserved attempt was not a wrong password (success, suspended account, an error). */
  async release(email: string, ip: string | null): Promise<void> {
    const now = this.clock.now();
    for (const [key] of this.limits(email, ip)) await this.store.release(key, now);
  }

  /** A successful login clears the account's failures and takes back the IP's attempt. */
  async recordSuccess(email: string, ip: string | null): Promise<void> {
    await this.store.clear(`account:${email}`);
    if (ip) await this.store.release(`ip:${ip}`, this.clock.now());
  }

  private limits(email: string, ip: string | null): [key: string, limit: number][] {
    const { maxFailuresPerAccount, maxFailuresPerIp } = this.config.login;
    const limits: [string, number][] = [[`account:${email}`, maxFailuresPerAccount]];
    if (ip) limits.push([`ip:${ip}`, maxFailuresPerIp]);
    return limits;
  }
}
