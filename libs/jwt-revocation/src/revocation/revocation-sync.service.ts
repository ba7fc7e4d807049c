import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { Clock } from '../clock';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { RevocationMetrics } from '../metrics/revocation.metrics';
import { RevocationChange, RevocationStore } from '../storage/revocation-store.interface';
import { SCHEDULER_REGISTRY_TOKEN, SchedulerRegistryLike } from '../sync/optional-scheduler';
import {
  InjectRevocationTransport,
  RevocationMessage,
  RevocationTransport,
} from '../sync/revocation-transport.interface';
import { RevocationCache } from './revocation.cache';

/** Changes re-read behind the cursor on each poll: concurrent transactions may commit out of `seq` order. */
const POLL_OVERLAP = 100;
const POLL_PAGE = 5000;
const POLL_TIMER = 'jwt-revocation-poll';
const PURGE_TIMER = 'jwt-revocation-purge';

/** What health checks and metrics need to know about the cache. */
export interface RevocationSyncStatus {
  loaded: boolean;
  trusted: boolean;
  cursor: number;
  lastSyncAt: number | null;
  /** How long since the cache was last confirmed complete against the store. */
  lagMs: number | null;
  lastError: string | null;
  transport: { name: string; connected: boolean } | null;
  size: RevocationCache['size'];
}

/**
 * Keeps the in-memory cache in step with the store: subscribes to the transport, loads a snapshot
 * (retrying while the store is down), polls the change log as the safety net, purges expired
 * entries, and tracks staleness.
 */
@Injectable()
export class RevocationSync implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('JwtRevocation');
  private cursor = 0;
  private lastSyncAt: number | null = null;
  private lastError: string | null = null;
  private pollTimer?: NodeJS.Timeout;
  private purgeTimer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private queued?: Promise<void>;
  private failOpenLogged = false;

  constructor(
    @Inject(RevocationStore) private readonly store: RevocationStore,
    @Inject(RevocationCache) private readonly cache: RevocationCache,
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(RevocationMetrics) private readonly metrics: RevocationMetrics,
    @InjectRevocationTransport() private readonly transport: RevocationTransport | null,
    @Optional()
    @Inject(SCHEDULER_REGISTRY_TOKEN)
    private readonly scheduler?: SchedulerRegistryLike,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.store.init?.();
    const transport = this.transport;
    if (transport) {
      await transport.start({
        onMessage: (message) => this.receive(transport, message),
        onSubscribed: () => void this.tick(),
      });
    }
    await this.reload().catch((error: unknown) => this.noteError('initial load', error));
    this.pollTimer = this.every(POLL_TIMER, this.config.pollIntervalMs || 1000, () => this.tick());
    if (this.config.purgeIntervalMs > 0) {
      this.purgeTimer = this.every(PURGE_TIMER, this.config.purgeIntervalMs, () => this.purge());
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const [name, timer] of [
      [POLL_TIMER, this.pollTimer],
      [PURGE_TIMER, this.purgeTimer],
    ] as const) {
      clearInterval(timer);
      if (this.scheduler?.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    }
    await this.polling?.catch(noop);
    await this.transport?.stop();
  }

  /**
   * Whether the cache may be relied on: loaded, and confirmed fresh within `maxStalenessMs`
   * (default: the module's `maxStaleness`; `0`: any age).
   */
  isTrusted(maxStalenessMs = this.config.maxStalenessMs): boolean {
    if (!this.cache.isLoaded) return false;
    if (this.config.pollIntervalMs === 0 || maxStalenessMs === 0) return true;
    return this.lastSyncAt !== null && this.clock.now() - this.lastSyncAt <= maxStalenessMs;
  }

  /**
   * Resolves once the cache holds every change the store had committed when this was called: it
   * waits for a read of the store that starts after the call (concurrent callers share it), never
   * for one already under way, which may have read too early. Rejects when the store fails.
   */
  confirmFresh(): Promise<void> {
    const running = this.polling;
    if (!running) return this.startRefresh();
    return (this.queued ??= running.then(noop, noop).then(() => {
      this.queued = undefined;
      return this.polling ?? this.startRefresh();
    }));
  }

  /** Applies changes this instance just made durable, and announces them to the others. */
  async publish(changes: RevocationChange[]): Promise<void> {
    for (const change of changes) this.cache.apply(change);
    const transport = this.transport;
    if (!transport || changes.length === 0) return;
    try {
      await transport.publish({ v: 1, at: this.clock.now(), changes });
    } catch (error) {
      this.logger.warn(
        `Could not announce a revocation through ${transport.name} (other instances will poll it): ${String(error)}`,
      );
    }
  }

  /** Logs once per outage that a token was accepted without a trusted cache. */
  noteFailOpen(): void {
    if (this.failOpenLogged) return;
    this.failOpenLogged = true;
    this.logger.warn(
      'Revocation cache is not trusted; accepting tokens because failureMode is "open".',
    );
  }

  status(): RevocationSyncStatus {
    const transport = this.transport;
    return {
      loaded: this.cache.isLoaded,
      trusted: this.isTrusted(),
      cursor: this.cursor,
      lastSyncAt: this.lastSyncAt,
      lagMs: this.lastSyncAt === null ? null : this.clock.now() - this.lastSyncAt,
      lastError: this.lastError,
      transport: transport ? { name: transport.name, connected: transport.isConnected() } : null,
      size: this.cache.size,
    };
  }

  /** Reads new changes from the store now (polling does this on its own); reloads everything after an outage. */
  async refresh(): Promise<void> {
    if (!this.cache.isLoaded || !this.isTrusted()) return this.reload();
    const started = this.clock.now();
    await this.catchUp();
    this.markSynced(started);
  }

  /** Applies every change past the cursor (and a little before it: commits may land out of order). */
  private async catchUp(): Promise<void> {
    let from = Math.max(0, this.cursor - POLL_OVERLAP);
    for (;;) {
      const changes = await this.store.changesSince(from, POLL_PAGE);
      for (const change of changes) {
        this.cache.apply(change);
        if (change.seq > this.cursor) this.cursor = change.seq;
      }
      if (changes.length < POLL_PAGE) break;
      from = changes[changes.length - 1].seq;
    }
  }

  private receive(transport: RevocationTransport, message: RevocationMessage): void {
    for (const change of message.changes) this.cache.apply(change);
    this.metrics.recordPropagation(Math.max(0, this.clock.now() - message.at), transport.name);
  }

  /**
   * Loads a full snapshot, then catches up on what committed while it was read (announcements that
   * arrived meanwhile went to the state being replaced).
   */
  private async reload(): Promise<void> {
    const started = this.clock.now();
    const snapshot = await this.store.loadSnapshot(started, {
      openSessions: this.config.mode === 'allowlist',
    });
    await this.cache.load(snapshot);
    this.cursor = snapshot.cursor;
    await this.catchUp();
    this.markSynced(started);
    const size = this.cache.size;
    this.logger.log(
      `Revocation cache loaded: ${size.tokens} tokens, ${size.sessions} sessions, ${size.users} users.`,
    );
  }

  private markSynced(startedAt: number): void {
    this.lastSyncAt = Math.max(startedAt, this.lastSyncAt ?? startedAt);
    if (this.lastError !== null) {
      this.logger.log('Revocation store reachable again; the cache is current.');
      this.lastError = null;
    }
    this.failOpenLogged = false;
  }

  private async tick(): Promise<void> {
    if (this.polling) return this.polling.catch(noop);
    if (this.config.pollIntervalMs === 0 && this.cache.isLoaded) return;
    await this.startRefresh().catch(noop);
  }

  /** One read of the store at a time: polls and strong checks share it. */
  private startRefresh(): Promise<void> {
    const run: Promise<void> = this.refresh()
      .catch((error: unknown) => {
        this.noteError('poll', error);
        throw error;
      })
      .finally(() => {
        if (this.polling === run) this.polling = undefined;
      });
    this.polling = run;
    return run;
  }

  private async purge(): Promise<void> {
    const now = this.clock.now();
    this.cache.purge(now);
    await this.store.purgeExpired(now).catch((error: unknown) => this.noteError('purge', error));
  }

  private every(name: string, ms: number, task: () => Promise<void>): NodeJS.Timeout {
    const timer = setInterval(() => void task(), ms);
    timer.unref();
    this.scheduler?.addInterval(name, timer);
    return timer;
  }

  private noteError(step: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.lastError === null) {
      const stance = this.config.failureMode === 'closed' ? 'failing closed' : 'failing open';
      this.logger.error(`Revocation store ${step} failed (${stance} once stale): ${message}`);
    }
    this.lastError = message;
  }
}

function noop(): void {}
