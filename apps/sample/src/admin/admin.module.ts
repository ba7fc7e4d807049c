import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { AdminRevocationsController } from './admin-revocations.controller';
import { AdminUsersController } from './admin-users.controller';
import { AuditSearch } from './audit.search';
import { RevocationFeed } from './revocation.feed';

@Module({
  imports: [UsersModule, EventsModule, DatabaseModule],
  controllers: [AdminUsersController, AdminRevocationsController],
  providers: [AuditSearch, RevocationFeed],
})
export class AdminModule {}
