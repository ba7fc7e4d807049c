import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock } from '../clock';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { RevocationChange, RevocationStore } from '../storage/revocation-store.interface';
import { RevocationCache } from './revocation.cache';

/** Changes re-read behind the cursor on each poll: concurrent transactions may commit out of `seq` order. */
const POLL_OVERLAP = 100;
const POLL_PAGE = 5000;

/** What health checks and metrics need to know about the cache. */
export interface RevocationSyncStatus {
  loaded: boolean;
  trusted: boolean;
  cursor: number;
  lastSyncAt: number | null;
  lagMs: number | null;
  lastError: string | null;
  size: RevocationCache['size'];
}

/**
 * Keeps the in-memory cache in step with the store: loads a snapshot at startup (retrying while
 * the store is down), polls the change log, purges expired entries, and tracks staleness.
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
  private failOpenLogged = false;
  private wasTrusted = false;

  constructor(
    @Inject(RevocationStore) private readonly store: RevocationStore,
    @Inject(RevocationCache) private readonly cache: RevocationCache,
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.store.init?.();
    await this.reload().catch((error: unknown) => this.noteError('initial load', error));
    const every = this.config.pollIntervalMs || 1000;
    this.pollTimer = setInterval(() => void this.tick(), every);
    this.pollTimer.unref();
    if (this.config.purgeIntervalMs > 0) {
      this.purgeTimer = setInterval(() => void this.purge(), this.config.purgeIntervalMs);
      this.purgeTimer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pollTimer);
    clearInterval(this.purgeTimer);
    await this.polling;
  }

  /** Whether the cache may be relied on: loaded, and confirmed fresh within `maxStaleness`. */
  isTrusted(): boolean {
    if (!this.cache.isLoaded) return false;
    if (this.config.pollIntervalMs === 0 || this.config.maxStalenessMs === 0) return true;
    return (
      this.lastSyncAt !== null && this.clock.now() - this.lastSyncAt <= this.config.maxStalenessMs
    );
  }

  /** Applies a change this instance just made durable. */
  applyLocal(change: RevocationChange): void {
    this.cache.apply(change);
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
    return {
      loaded: this.cache.isLoaded,
      trusted: this.isTrusted(),
      cursor: this.cursor,
      lastSyncAt: this.lastSyncAt,
      lagMs: this.lastSyncAt === null ? null : this.clock.now() - this.lastSyncAt,
      lastError: this.lastError,
      size: this.cache.size,
    };
  }

  /** Reads new changes now (polling does this on its own); reloads everything after an outage. */
  async refresh(): Promise<void> {
    if (!this.cache.isLoaded || !this.isTrusted()) return this.reload();
    const started = this.clock.now();
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
    this.markSynced(started);
  }

  private async reload(): Promise<void> {
    const started = this.clock.now();
    const snapshot = await this.store.loadSnapshot(started);
    this.cache.load(snapshot);
    this.cursor = snapshot.cursor;
    this.markSynced(started);
    const size = this.cache.size;
    this.logger.log(
      `Revocation cache loaded: ${size.tokens} tokens, ${size.sessions} sessions, ${size.users} users.`,
    );
  }

  private markSynced(startedAt: number): void {
    this.lastSyncAt = startedAt;
    if (this.lastError !== null || !this.wasTrusted) {
      if (this.lastError !== null)
        this.logger.log('Revocation store reachable again; cache is current.');
      this.lastError = null;
    }
    this.wasTrusted = true;
    this.failOpenLogged = false;
  }

  private async tick(): Promise<void> {
    if (this.polling) return;
    if (this.config.pollIntervalMs === 0 && this.cache.isLoaded) return;
    this.polling = this.refresh()
      .catch((error: unknown) => this.noteError('poll', error))
      .finally(() => (this.polling = undefined));
    await this.polling;
  }

  private async purge(): Promise<void> {
    const now = this.clock.now();
    this.cache.purge(now);
    await this.store.purgeExpired(now).catch((error: unknown) => this.noteError('purge', error));
  }

  private noteError(step: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.lastError === null) {
      this.logger.error(`Revocation store ${step} failed: ${message}`);
    }
    this.lastError = message;
  }
}
