import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { EventsModule } from '../events/events.module';
import { AdminAccountBootstrap } from './admin-account.bootstrap';
import { PasswordHasher } from './password.hasher';
import { UsersService } from './users.service';

@Module({
  imports: [DatabaseModule, EventsModule],
  providers: [PasswordHasher, UsersService, AdminAccountBootstrap],
  exports: [PasswordHasher, UsersService],
})
export class UsersModule {}
