import { Module } from '@nestjs/common';
import { LiveSocketAuthenticator } from 'nestjs-jwt-revocation/websockets';
import { MeEventsController } from './me-events.controller';
import { NotificationsGateway } from './notifications.gateway';

/** Live endpoints that end with the token: a notifications WebSocket and `GET /me/events` (SSE). */
@Module({
  controllers: [MeEventsController],
  providers: [LiveSocketAuthenticator, NotificationsGateway],
})
export class LiveModule {}
