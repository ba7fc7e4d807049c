import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { RevocationStore, RevocationSync } from 'nestjs-jwt-revocation';

const PING_TIMEOUT_MS = 2000;

interface HealthReport {
  status: 'ok' | 'unavailable';
  store: 'up' | 'down';
  revocation_cache: { loaded: boolean; trusted: boolean; lag_ms: number | null };
  /** Redis pub/sub between instances, when configured. Polling covers for it when disconnected. */
  transport: { name: string; connected: boolean } | null;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(RevocationSync) private readonly sync: RevocationSync,
    @Inject(RevocationStore) private readonly store: RevocationStore,
  ) {}

  /** 200 once the store answers and the revocation cache is loaded and fresh; 503 otherwise. */
  @Get()
  @ApiOkResponse({ description: 'Store reachable, revocation cache trusted' })
  @ApiServiceUnavailableResponse({ description: 'Store unreachable or cache not trusted' })
  async check(): Promise<HealthReport> {
    const storeUp = await this.ping();
    const status = this.sync.status();
    const report: HealthReport = {
      status: storeUp && status.trusted ? 'ok' : 'unavailable',
      store: storeUp ? 'up' : 'down',
      revocation_cache: { loaded: status.loaded, trusted: status.trusted, lag_ms: status.lagMs },
      transport: status.transport,
    };
    if (report.status !== 'ok') throw new ServiceUnavailableException(report);
    return report;
  }

  private async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.store.ping(), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
