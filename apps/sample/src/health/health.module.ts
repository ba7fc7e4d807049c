import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { JwksController } from './jwks.controller';

@Module({ controllers: [HealthController, JwksController] })
export class HealthModule {}
