import { HttpException } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { StoreUnavailableException } from '../jwt-revocation.exceptions';
import type {
  AuditEntry,
  AuditQuery,
  RefreshRotation,
  RevocationChange,
  RevocationCommand,
  RevocationOutcome,
  RevocationSnapshot,
  RevocationStore,
  RevocationTransaction,
  RevocationVersions,
  SessionRecord,
  SnapshotOptions,
} from './revocation-store.interface';
import { StoreDeadline } from './store-deadline';
import { storeFailureOf } from './store-errors';

/** How quickly the store has been answering, for health checks. */
export interface StoreLatencyStatus {
  /** `degraded` while the last call, or one still running, took longer than `slowStoreThreshold`. */
  state: 'ok' | 'degraded';
  /** Duration of the last completed call (a call given up at the deadline counts as the deadline). */
  lastCallMs: number | null;
  /** Age of the oldest call still waiting for the store. */
  oldestPendingMs: number | null;
  thresholdMs: number;
}

/** Times store calls: the last one to complete, and the ones still running. */
export class StoreLatency {
  private readonly pending = new Map<number, number>();
  private nextId = 0;
  private lastCallMs: number | null = null;

  constructor(readonly thresholdMs: number) {}

  /** Marks a call as started; call the returned function when it ends, however it ends. */
  start(): () => void {
    const id = this.nextId++;
    const startedAt = performance.now();
    this.pending.set(id, startedAt);
    return () => {
      this.pending.delete(id);
      this.lastCallMs = performance.now() - startedAt;
    };
  }

  status(): StoreLatencyStatus {
    const now = performance.now();
    let oldest: number | null = null;
    // A Map iterates in insertion order: the first entry is the oldest call.
    for (const startedAt of this.pending.values()) {
      oldest = now - startedAt;
      break;
    }
    const slow =
      (this.lastCallMs !== null && this.lastCallMs > this.thresholdMs) ||
      (oldest !== null && oldest > this.thresholdMs);
    return {
      state: slow ? 'degraded' : 'ok',
      lastCallMs: this.lastCallMs === null ? null : Math.round(this.lastCallMs),
      oldestPendingMs: oldest === null ? null : Math.round(oldest),
      thresholdMs: this.thresholdMs,
    };
  }
}

/**
 * The configured store behind a deadline: every call the request path makes answers within
 * `storeTimeout` (or what is left of its operation's budget, see `StoreDeadline`), and a database that is down, saturated or too slow surfaces as
 * `StoreUnavailableException` (503 + `Retry-After`) instead of a driver error or a long wait.
 *
 * A call given up at the deadline may still complete in the database. Callers only act on a
 * result they received (the cache and the transport are updated after `revoke` resolves), and a
 * revocation that lands late is picked up by every instance's polling, like one made elsewhere.
 * The snapshot read at startup and the purge are background work with no client waiting: they are
 * bounded by the pool's own timeouts only.
 */
export class BoundedRevocationStore implements RevocationStore {
  private readonly retryAfterSeconds: number;
  /** When this view's operation runs out of time (`performance.now()` clock); see `within`. */
  private deadlineAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly inner: RevocationStore,
    private readonly timeoutMs: number,
    private readonly latency: StoreLatency,
  ) {
    this.retryAfterSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const afterCommit = inner.afterCommit?.bind(inner);
    if (afterCommit) this.afterCommit = afterCommit;
  }

  readonly afterCommit?: (transaction: RevocationTransaction, action: () => Promise<void>) => void;

  /**
   * This store with one budget of `ms` for every call made through it, on top of each call's
   * `storeTimeout`: an operation of several calls (a refresh reads the session, the versions, then
   * rotates) answers within one `storeTimeout`, not one per call. The budget travels with the view,
   * not in an `AsyncLocalStorage`, which on Node < 24 turns on promise hooks for the whole process.
   */
  within(ms: number): BoundedRevocationStore {
    const view = Object.create(this) as BoundedRevocationStore;
    view.deadlineAt = Math.min(this.deadlineAt, performance.now() + ms);
    return view;
  }

  async init(): Promise<void> {
    await this.inner.init?.();
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  ping(): Promise<void> {
    return this.call(() => this.inner.ping());
  }

  loadSnapshot(now: number, options?: SnapshotOptions): Promise<RevocationSnapshot> {
    return this.call(() => this.inner.loadSnapshot(now, options), false);
  }

  changesSince(cursor: number, limit: number): Promise<RevocationChange[]> {
    return this.call(() => this.inner.changesSince(cursor, limit));
  }

  revoke(
    command: RevocationCommand,
    transaction?: RevocationTransaction,
  ): Promise<RevocationOutcome> {
    return this.call(() => this.inner.revoke(command, transaction));
  }

  versions(subject: string): Promise<RevocationVersions> {
    return this.call(() => this.inner.versions(subject));
  }

  createSession(session: SessionRecord): Promise<RevocationChange> {
    return this.call(() => this.inner.createSession(session));
  }

  findSession(id: string): Promise<SessionRecord | null> {
    return this.call(() => this.inner.findSession(id));
  }

  listSessions(subject: string, now: number): Promise<SessionRecord[]> {
    return this.call(() => this.inner.listSessions(subject, now));
  }

  rotateRefresh(rotation: RefreshRotation): Promise<boolean> {
    return this.call(() => this.inner.rotateRefresh(rotation));
  }

  queryAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.call(() => this.inner.queryAudit(query));
  }

  purgeExpired(now: number): Promise<number> {
    return this.call(() => this.inner.purgeExpired(now), false);
  }

  private async call<T>(work: () => Promise<T>, withDeadline = true): Promise<T> {
    const timeoutMs = Math.min(
      this.timeoutMs,
      this.deadlineAt - performance.now(),
      StoreDeadline.remaining() ?? Number.POSITIVE_INFINITY,
    );
    if (withDeadline && timeoutMs <= 0) {
      throw new StoreUnavailableException('timeout', this.retryAfterSeconds);
    }
    const done = this.latency.start();
    let timer: NodeJS.Timeout | undefined;
    const attempt = Promise.resolve().then(work);
    // Once the deadline has answered, a late failure of the abandoned call is nobody's to handle.
    attempt.catch(() => undefined);
    const deadline = new Promise<never>((_, reject) => {
      if (!withDeadline) return;
      timer = setTimeout(
        () => reject(new StoreUnavailableException('timeout', this.retryAfterSeconds)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([attempt, deadline]);
    } catch (error) {
      throw this.translate(error);
    } finally {
      clearTimeout(timer);
      done();
    }
  }

  private translate(error: unknown): unknown {
    if (error instanceof HttpException) return error;
    const failure = storeFailureOf(error);
    return failure === undefined
      ? error
      : new StoreUnavailableException(failure, this.retryAfterSeconds, { cause: error });
  }
}

/** `store` with one budget of `ms` for all its calls (see `BoundedRevocationStore.within`). */
export function withinBudget(store: RevocationStore, ms: number): RevocationStore {
  return store instanceof BoundedRevocationStore ? store.within(ms) : store;
}
