import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { ActiveAccountGuard } from '../users/active-account.guard';
import { UsersModule } from '../users/users.module';
import { AuthorizationServerMetadataController } from './authorization-server-metadata.controller';
import { IntrospectionCallerGuard } from './introspection-caller.guard';
import { OAuthController } from './oauth.controller';

@Module({
  imports: [EventsModule, UsersModule],
  controllers: [OAuthController, AuthorizationServerMetadataController],
  providers: [ActiveAccountGuard, IntrospectionCallerGuard],
})
export class OAuthModule {}
