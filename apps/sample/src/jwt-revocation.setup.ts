import { DynamicModule } from '@nestjs/common';
import { ClaimsLoader, JwtRevocationModule, RevocationTransport } from 'nestjs-jwt-revocation';
import { PostgresNotifyTransport } from 'nestjs-jwt-revocation/postgres';
import { RedisRevocationTransport } from 'nestjs-jwt-revocation/redis';
import { TypeOrmRevocationStore } from 'nestjs-jwt-revocation/typeorm';
import { DataSource } from 'typeorm';
import { SampleConfig } from './config/sample.config';
import { DatabaseModule } from './database/database.module';
import { UserEntity } from './users/user.entity';

/** The roles a refresh after a role change puts in the new access token; none for an account that cannot sign in. */
function claimsOf(dataSource: DataSource): ClaimsLoader {
  const users = dataSource.getRepository(UserEntity);
  return async (subject) => {
    const user = await users.findOneBy({ id: subject });
    return user?.status === 'active' ? { roles: user.roles } : null;
  };
}

function revocationTransport(sample: SampleConfig): RevocationTransport | undefined {
  if (sample.transport === 'redis' && sample.redis)
    return new RedisRevocationTransport(sample.redis);
  if (sample.transport === 'postgres' && sample.database.type === 'postgres') {
    return new PostgresNotifyTransport({ connectionString: sample.database.url });
  }
  return undefined;
}

/**
 * `JwtRevocationModule` on the sample's database and transport, as the server and the incident
 * CLI both use it: a revocation made by either reaches every instance the same way.
 */
export function sampleJwtRevocationModule(): DynamicModule {
  return JwtRevocationModule.forRootAsync({
    imports: [DatabaseModule],
    inject: [DataSource, SampleConfig],
    useFactory: (dataSource: DataSource, sample: SampleConfig) => ({
      ...sample.jwt,
      store: new TypeOrmRevocationStore(dataSource),
      claimsLoader: claimsOf(dataSource),
      transport: revocationTransport(sample),
    }),
  });
}
