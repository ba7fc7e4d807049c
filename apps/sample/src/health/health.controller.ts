import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SetTransmitter } from 'nestjs-jwt-revocation/signals';
import { JwtRevocationHealthIndicator } from 'nestjs-jwt-revocation/terminus';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(JwtRevocationHealthIndicator) private readonly revocation: JwtRevocationHealthIndicator,
    @Optional() @Inject(SetTransmitter) private readonly transmitter?: SetTransmitter,
  ) {}

  /**
   * Readiness: 200 once the store answers and the revocation cache is loaded and fresh; 503
   * otherwise. Details report the transport (Redis or Postgres NOTIFY), cache lag and sizes, and
   * `storeState: 'degraded'` (still 200) while database calls exceed `DATABASE_SLOW_THRESHOLD`.
   * With SETs sent, `set_delivery` reports each receiver (a receiver that is down does not make
   * this instance unready: its SETs wait in the change log).
   */
  @Get()
  @HealthCheck()
  @ApiOkResponse({ description: 'Store reachable, revocation cache trusted' })
  @ApiServiceUnavailableResponse({ description: 'Store unreachable or cache not trusted' })
  check() {
    const transmitter = this.transmitter;
    return this.health.check([
      () => this.revocation.isHealthy('revocation'),
      ...(transmitter
        ? [() => ({ set_delivery: { status: 'up' as const, receivers: transmitter.status() } })]
        : []),
    ]);
  }
}
