import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { SampleConfigModule } from '../config/sample-config.module';
import { SampleConfig } from '../config/sample.config';
import { DatabaseModule } from '../database/database.module';
import { EventsModule } from '../events/events.module';
import { sampleJwtRevocationModule } from '../jwt-revocation.setup';
import { PasswordHasher } from '../users/password.hasher';
import { UsersService } from '../users/users.service';
import { INCIDENT_COMMANDS } from './incident.commands';
import { IncidentService } from './incident.service';

/**
 * The incident CLI: the server's configuration, database and revocation module, without HTTP.
 * Like the server it migrates the schema unless `MIGRATIONS_RUN=false`; it neither polls nor purges.
 */
@Module({})
export class RevokeCliModule {
  static forRoot(server: SampleConfig): DynamicModule {
    const config: SampleConfig = {
      ...server,
      jwt: { ...server.jwt, pollInterval: 0, purgeInterval: 0 },
    };
    return {
      module: RevokeCliModule,
      imports: [
        SampleConfigModule.forRoot(config),
        EventEmitterModule.forRoot(),
        sampleJwtRevocationModule(),
        DatabaseModule,
        EventsModule,
      ],
      providers: [PasswordHasher, UsersService, IncidentService, ...INCIDENT_COMMANDS],
    };
  }
}
