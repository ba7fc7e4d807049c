import { UsersModule } from '../users/users.module';
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { OAuthController } from './oauth.controller';

@Module({ imports: [EventsModule, UsersModule], controllers: [OAuthController] })
export class OAuthModule {}
