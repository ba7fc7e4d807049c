import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventsModule } from '../events/events.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { SampleConfig } from '../config/sample.config';
import { DatabaseModule } from '../database/database.module';
import {
  DatabaseLoginAttemptStore,
  FallbackLoginAttemptStore,
  LoginAttemptStore,
  RedisLoginAttemptStore,
} from './login-attempt.store';
import { LoginThrottle } from './login.throttle';

@Module({
  imports: [UsersModule, EventsModule, DatabaseModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    LoginThrottle,
    {
      // Shared by every instance: Redis when REDIS_URL is set (the database while it is down), otherwise the database.
      provide: LoginAttemptStore,
      inject: [SampleConfig, DataSource],
      useFactory: (config: SampleConfig, dataSource: DataSource): LoginAttemptStore =>
        config.redis
          ? new FallbackLoginAttemptStore(
              new RedisLoginAttemptStore(config.redis.url, config.redis.keyPrefix),
              new DatabaseLoginAttemptStore(dataSource),
            )
          : new DatabaseLoginAttemptStore(dataSource),
    },
  ],
  exports: [AuthService],
})
export class AuthModule {}
