import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { JwtRevocationModule, RevocationTransport } from 'nestjs-jwt-revocation';
import { PostgresNotifyTransport } from 'nestjs-jwt-revocation/postgres';
import { RedisRevocationTransport } from 'nestjs-jwt-revocation/redis';
import { TypeOrmRevocationStore } from 'nestjs-jwt-revocation/typeorm';
import { DataSource } from 'typeorm';
import { AccountModule } from './account/account.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { SampleConfigModule } from './config/sample-config.module';
import { SampleConfig } from './config/sample.config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { OAuthModule } from './oauth/oauth.module';

function revocationTransport(sample: SampleConfig): RevocationTransport | undefined {
  if (sample.transport === 'redis' && sample.redis)
    return new RedisRevocationTransport(sample.redis);
  if (sample.transport === 'postgres' && sample.database.type === 'postgres') {
    return new PostgresNotifyTransport({ connectionString: sample.database.url });
  }
  return undefined;
}

/** The whole sample app for one configuration. */
@Module({})
export class SampleModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: SampleModule,
      imports: [
        SampleConfigModule.forRoot(config),
        EventEmitterModule.forRoot(),
        JwtRevocationModule.forRootAsync({
          imports: [DatabaseModule],
          inject: [DataSource, SampleConfig],
          useFactory: (dataSource: DataSource, sample: SampleConfig) => ({
            ...sample.jwt,
            store: new TypeOrmRevocationStore(dataSource),
            transport: revocationTransport(sample),
          }),
        }),
        AuthModule,
        AccountModule,
        AdminModule,
        OAuthModule,
        HealthModule,
      ],
    };
  }
}
