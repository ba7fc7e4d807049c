import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { JwtRevocationHealthIndicator } from 'nestjs-jwt-revocation/terminus';
import { HealthController } from './health.controller';
import { JwksController } from './jwks.controller';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, JwksController, MetricsController],
  providers: [JwtRevocationHealthIndicator],
})
export class HealthModule {}
