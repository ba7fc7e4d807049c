import { DynamicModule, Global, Module } from '@nestjs/common';
import { JwtSignalsModule, type JwtSignalsModuleOptions } from 'nestjs-jwt-revocation/signals';
import { TypeOrmSignalStore } from 'nestjs-jwt-revocation/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseModule } from '../database/database.module';
import { UsersModule } from '../users/users.module';
import { AdminSignalsController } from './admin-signals.controller';
import { BackChannelLogoutController } from './back-channel-logout.controller';
import { SampleSubjectResolver } from './sample-subject.resolver';
import type { SignalsSettings } from './signals.config';
import { SsfEventsController } from './ssf-events.controller';

/** The library's options for the sample's signal settings. */
export function signalsOptions(
  settings: SignalsSettings,
  dataSource: DataSource,
  resolver: SampleSubjectResolver,
): JwtSignalsModuleOptions {
  const t = settings.transmitter;
  return {
    resolver,
    store: new TypeOrmSignalStore(dataSource),
    backChannelLogout: settings.backChannelLogout ? [settings.backChannelLogout] : [],
    ssf: settings.ssf ? [settings.ssf] : [],
    transmitter: t
      ? {
          issuer: t.issuer,
          signingKey: t.signingKey,
          receivers: [
            {
              name: 'default',
              endpoint: t.endpoint,
              audience: t.audience,
              authorization: t.authorization,
            },
          ],
          retryDelay: t.retryDelay,
          maxRetryDelay: t.maxRetryDelay,
          pollInterval: t.pollInterval,
          leaseTtl: t.leaseTtl,
        }
      : undefined,
  };
}

/**
 * Security signals (OIDC back-channel logout, SSF push, SETs sent), present when configured.
 * Global so that the JWKS route publishes a dedicated SET key and /metrics and /health report.
 */
@Global()
@Module({})
export class SampleSignalsModule {
  static forRoot(settings: SignalsSettings): DynamicModule {
    const signals = JwtSignalsModule.forRootAsync({
      imports: [DatabaseModule, ResolverModule],
      inject: [DataSource, SampleSubjectResolver],
      useFactory: (dataSource: DataSource, resolver: SampleSubjectResolver) =>
        signalsOptions(settings, dataSource, resolver),
    });
    return {
      module: SampleSignalsModule,
      imports: [signals, UsersModule],
      controllers: [
        ...(settings.backChannelLogout ? [BackChannelLogoutController] : []),
        ...(settings.ssf ? [SsfEventsController] : []),
        AdminSignalsController,
      ],
      exports: [signals],
    };
  }
}

@Module({
  imports: [DatabaseModule],
  providers: [SampleSubjectResolver],
  exports: [SampleSubjectResolver],
})
class ResolverModule {}
