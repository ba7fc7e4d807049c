import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AccountModule } from './account/account.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { SampleConfigModule } from './config/sample-config.module';
import { SampleConfig } from './config/sample.config';
import { HealthModule } from './health/health.module';
import { RequestDeadlineModule } from './http/request-deadline';
import { sampleJwtRevocationModule } from './jwt-revocation.setup';
import { LiveModule } from './live/live.module';
import { OAuthModule } from './oauth/oauth.module';
import { PagesModule } from './pages/pages.module';
import { SampleSignalsModule } from './signals/sample-signals.module';

/** The whole sample app for one configuration. */
@Module({})
export class SampleModule {
  static forRoot(config: SampleConfig): DynamicModule {
    return {
      module: SampleModule,
      imports: [
        SampleConfigModule.forRoot(config),
        EventEmitterModule.forRoot(),
        RequestDeadlineModule,
        sampleJwtRevocationModule(),
        AuthModule,
        AccountModule,
        AdminModule,
        OAuthModule,
        HealthModule,
        LiveModule,
        PagesModule,
        ...(config.signals ? [SampleSignalsModule.forRoot(config.signals)] : []),
      ],
    };
  }
}
