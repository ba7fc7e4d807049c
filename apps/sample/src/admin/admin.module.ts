import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { AdminRevocationsController } from './admin-revocations.controller';
import { AdminUsersController } from './admin-users.controller';

@Module({
  imports: [UsersModule, EventsModule],
  controllers: [AdminUsersController, AdminRevocationsController],
})
export class AdminModule {}
