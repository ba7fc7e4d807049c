import { Controller, Get, Header, Inject, OnModuleInit, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { registerJwtRevocationMetrics } from 'nestjs-jwt-revocation/prometheus';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerSignalMetrics } from '../signals/signals.metrics';
import { MetricsTokenGuard } from './metrics-token.guard';

/** Prometheus metrics: the library's (checks, rejections, revocations, propagation, cache) and Node's. */
@ApiTags('health')
@ApiBearerAuth()
@UseGuards(MetricsTokenGuard)
@Controller('metrics')
export class MetricsController implements OnModuleInit {
  private readonly registry = new Registry();

  constructor(@Inject(ModuleRef) private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry });
    registerJwtRevocationMetrics(this.moduleRef, this.registry);
    registerSignalMetrics(this.moduleRef, this.registry);
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  @ApiNotFoundResponse({ description: 'Disabled: production without METRICS_TOKEN' })
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
