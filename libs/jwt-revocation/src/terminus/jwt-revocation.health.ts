import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RevocationSync } from '../revocation/revocation-sync.service';
import { StoreLatency } from '../storage/bounded-revocation.store';
import { RevocationStore } from '../storage/revocation-store.interface';

const PING_TIMEOUT_MS = 1000;

/**
 * Terminus health indicator: up while the store answers and the revocation cache is loaded and
 * fresh; reports transport state and cache lag either way, and `storeState: 'degraded'` (still up)
 * while store calls take longer than `slowStoreThreshold`: requests that need the store may then
 * answer 503 at `storeTimeout`, but the instance still serves every other request. Add it to
 * `providers` next to `TerminusModule` and call `isHealthy()` from your `@HealthCheck()` route.
 */
@Injectable()
export class JwtRevocationHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(RevocationSync) private readonly sync: RevocationSync,
    @Inject(RevocationStore) private readonly store: RevocationStore,
    @Inject(StoreLatency) private readonly latency: StoreLatency,
  ) {}

  async isHealthy(key = 'jwt_revocation') {
    const indicator = this.health.check(key);
    const storeReachable = await ping(this.store);
    const status = this.sync.status();
    const latency = this.latency.status();
    const details = {
      storeReachable,
      storeState: storeReachable ? latency.state : 'down',
      storeLatency: {
        lastCallMs: latency.lastCallMs,
        oldestPendingMs: latency.oldestPendingMs,
        thresholdMs: latency.thresholdMs,
      },
      cacheLoaded: status.loaded,
      cacheTrusted: status.trusted,
      cacheLagMs: status.lagMs,
      cursor: status.cursor,
      transport: status.transport,
      cacheSize: status.size,
      ...(status.lastError ? { lastError: status.lastError } : {}),
    };
    return storeReachable && status.trusted ? indicator.up(details) : indicator.down(details);
  }
}

async function ping(store: RevocationStore): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      store.ping().then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
