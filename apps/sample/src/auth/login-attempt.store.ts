import { Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** A fixed window of failed logins for one key: how many, and when the window closes (ms). */
export interface AttemptWindow {
  count: number;
  resetAt: number;
}

/**
 * Where login-attempt counters live, shared by every instance so that running more instances does
 * not multiply the failures an attacker may try. `hit` must be atomic and return the count it
 * made: callers decide on that count alone, never on an earlier read.
 */
export interface LoginAttemptStore {
  /** Counts one attempt; opens a new window of `windowMs` when none is open at `now`. */
  hit(key: string, now: number, windowMs: number): Promise<AttemptWindow>;
  /** Takes back one attempt counted by `hit` in the window open at `now` (never below zero). */
  release(key: string, now: number): Promise<void>;
  /** The open window at `now`, if any. */
  peek(key: string, now: number): Promise<AttemptWindow | null>;
  clear(key: string): Promise<void>;
}

/** DI token of the `LoginAttemptStore`. */
export const LoginAttemptStore = Symbol('LoginAttemptStore');

/** Keys hold emails and IPs: store a digest, of fixed length and without the personal data. */
const digest = (key: string) => createHash('sha256').update(key).digest('base64url');

const HIT_SCRIPT = `
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset') or '0')
local now = tonumber(ARGV[1])
if reset <= now then
  reset = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'count', 1, 'reset', reset)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, reset}
end
return {redis.call('HINCRBY', KEYS[1], 'count', 1), reset}
`;

const RELEASE_SCRIPT = `
local reset = tonumber(redis.call('HGET', KEYS[1], 'reset') or '0')
if reset > tonumber(ARGV[1]) and tonumber(redis.call('HGET', KEYS[1], 'count') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'count', -1)
end
return 0
`;

/**
 * Counters in Redis: one hash per key, updated by a Lua script (atomic). Windows follow the app's
 * clock (passed in), the key's expiry only reclaims memory.
 */
export class RedisLoginAttemptStore implements LoginAttemptStore, OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    // Fail within a second while Redis is away: the caller then falls back to the database.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 1000 });
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('loginHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis.defineCommand('loginRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  }

  async hit(key: string, now: number, windowMs: number): Promise<AttemptWindow> {
    const [count, resetAt] = (await this.script('loginHit', this.key(key), now, windowMs)) as [
      number,
      number,
    ];
    return { count: Number(count), resetAt: Number(resetAt) };
  }

  async release(key: string, now: number): Promise<void> {
    await this.script('loginRelease', this.key(key), now);
  }

  async peek(key: string, now: number): Promise<AttemptWindow | null> {
    const [count, reset] = await this.redis.hmget(this.key(key), 'count', 'reset');
    const resetAt = Number(reset ?? 0);
    return count !== null && resetAt > now ? { count: Number(count), resetAt } : null;
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(key: string): string {
    return `${this.prefix}login:${digest(key)}`;
  }

  private script(name: string, ...args: unknown[]): Promise<unknown> {
    const commands = this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    return commands[name].call(this.redis, ...args);
  }
}

/**
 * Redis first; while it fails, the database (shared as well), so that a Redis outage neither
 * blocks logins nor lifts the limits. Counts made during an outage stay in the database.
 */
export class FallbackLoginAttemptStore implements LoginAttemptStore, OnModuleDestroy {
  private readonly logger = new Logger('LoginLimits');
  private failing = false;

  constructor(
    private readonly primary: LoginAttemptStore & OnModuleDestroy,
    private readonly fallback: LoginAttemptStore,
  ) {}

  /** Counts made in the database during an outage still count once Redis is back. */
  async hit(key: string, now: number, windowMs: number): Promise<AttemptWindow> {
    const wasFailing = this.failing;
    const window = await this.either((store) => store.hit(key, now, windowMs));
    if (wasFailing || this.failing) return window;
    const outage = await this.fallback.peek(key, now);
    return outage
      ? { count: window.count + outage.count, resetAt: Math.max(window.resetAt, outage.resetAt) }
      : window;
  }

  async release(key: string, now: number): Promise<void> {
    await Promise.all([
      this.either((store) => store.release(key, now)),
      this.fallback.release(key, now),
    ]);
  }

  async peek(key: string, now: number): Promise<AttemptWindow | null> {
    const [a, b] = await Promise.all([
      this.either((store) => store.peek(key, now)),
      this.failing ? Promise.resolve(null) : this.fallback.peek(key, now),
    ]);
    return !a ? b : !b ? a : a.count >= b.count ? a : b;
  }

  async clear(key: string): Promise<void> {
    await Promise.all([this.either((store) => store.clear(key)), this.fallback.clear(key)]);
  }

  onModuleDestroy(): Promise<void> {
    return this.primary.onModuleDestroy();
  }

  private async either<T>(run: (store: LoginAttemptStore) => Promise<T>): Promise<T> {
    try {
      const result = await run(this.primary);
      if (this.failing) this.logger.log('Redis is back: login counters are kept there again');
      this.failing = false;
      return result;
    } catch (error) {
      if (!this.failing) {
        this.logger.warn(
          `Redis unavailable (${(error as Error).message}): login counters go to the database`,
        );
      }
      this.failing = true;
      return run(this.fallback);
    }
  }
}

/** Counters in the `sample_login_attempt` table, each hit one atomic upsert (SQLite, Postgres, MySQL/MariaDB). */
export class DatabaseLoginAttemptStore implements LoginAttemptStore {
  private readonly upsert: string;
  private readonly returns: boolean;
  private readonly p: (n: number) => string;
  private readonly postgres: boolean;
  private hits = 0;

  constructor(private readonly dataSource: DataSource) {
    const type = dataSource.options.type;
    const mysql = type === 'mysql' || type === 'mariadb';
    this.postgres = type === 'postgres';
    this.p = this.postgres ? (n) => `$${n}` : () => '?';
    const p = this.p;
    // Parameters: 1 key, 2 reset_at of a new window, 3 now (given twice where placeholders are `?`).
    this.upsert = mysql
      ? `INSERT INTO sample_login_attempt (attempt_key, failures, reset_at) VALUES (?, 1, ?)
         ON DUPLICATE KEY UPDATE failures = IF(reset_at <= ?, 1, failures + 1),
                                 reset_at = IF(reset_at <= ?, VALUES(reset_at), reset_at)`
      : `INSERT INTO sample_login_attempt (attempt_key, failures, reset_at) VALUES (${p(1)}, 1, ${p(2)})
         ON CONFLICT (attempt_key) DO UPDATE SET
           failures = CASE WHEN sample_login_attempt.reset_at <= ${p(3)} THEN 1 ELSE sample_login_attempt.failures + 1 END,
           reset_at = CASE WHEN sample_login_attempt.reset_at <= ${p(3)} THEN excluded.reset_at ELSE sample_login_attempt.reset_at END
         RETURNING failures, reset_at`;
    this.returns = !mysql;
  }

  async hit(key: string, now: number, windowMs: number): Promise<AttemptWindow> {
    const id = digest(key);
    if (++this.hits % PURGE_EVERY_HITS === 0) this.purge(now).catch(() => undefined);
    if (this.returns) {
      const params = this.postgres ? [id, now + windowMs, now] : [id, now + windowMs, now, now];
      const rows = (await this.dataSource.query(this.upsert, params)) as Row[];
      return toWindow(rows[0]);
    }
    return this.dataSource.transaction(async (manager) => {
      await manager.query(this.upsert, [id, now + windowMs, now, now]);
      const rows = (await manager.query(
        'SELECT failures, reset_at FROM sample_login_attempt WHERE attempt_key = ? FOR UPDATE',
        [id],
      )) as Row[];
      return toWindow(rows[0]);
    });
  }

  async release(key: string, now: number): Promise<void> {
    const p = this.p;
    await this.dataSource.query(
      `UPDATE sample_login_attempt SET failures = failures - 1
       WHERE attempt_key = ${p(1)} AND failures > 0 AND reset_at > ${p(2)}`,
      [digest(key), now],
    );
  }

  async peek(key: string, now: number): Promise<AttemptWindow | null> {
    const rows = (await this.dataSource.query(
      `SELECT failures, reset_at FROM sample_login_attempt WHERE attempt_key = ${this.p(1)}`,
      [digest(key)],
    )) as Row[];
    const window = rows[0] ? toWindow(rows[0]) : null;
    return window && window.resetAt > now ? window : null;
  }

  async clear(key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM sample_login_attempt WHERE attempt_key = ${this.p(1)}`,
      [digest(key)],
    );
  }

  /** Drops windows closed before `now`. */
  async purge(now: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM sample_login_attempt WHERE reset_at <= ${this.p(1)}`, [
      now,
    ]);
  }
}

/** Closed windows are deleted every this many hits, so the table holds only recent keys. */
const PURGE_EVERY_HITS = 1000;

type Row = { failures: number | string; reset_at: number | string };

function toWindow(row: Row): AttemptWindow {
  return { count: Number(row.failures), resetAt: Number(row.reset_at) };
}
