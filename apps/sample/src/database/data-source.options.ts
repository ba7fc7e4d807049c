import { DataSourceOptions } from 'typeorm';
import { JWT_REVOCATION_ENTITIES, JWT_REVOCATION_MIGRATIONS } from 'nestjs-jwt-revocation/typeorm';
import type { DatabaseConfig } from '../config/sample.config';
import { UserEntity } from '../users/user.entity';
import { CreateSampleUser1764500000000 } from './migrations/1764500000000-create-sample-user.migration';
import { CreateSampleLoginAttempt1764700000000 } from './migrations/1764700000000-create-sample-login-attempt.migration';

/** TypeORM options for the app's tables and the library's, migrated at startup unless told not to (never synchronized). */
export function dataSourceOptions(
  database: DatabaseConfig,
  migrationsRun = true,
): DataSourceOptions {
  const common = {
    entities: [UserEntity, ...JWT_REVOCATION_ENTITIES],
    migrations: [
      CreateSampleUser1764500000000,
      CreateSampleLoginAttempt1764700000000,
      ...JWT_REVOCATION_MIGRATIONS,
    ],
    migrationsRun,
    synchronize: false,
    logging: false,
  };
  switch (database.type) {
    case 'sqlite':
      return {
        ...common,
        type: 'better-sqlite3',
        database: database.path,
        enableWAL: database.path !== ':memory:',
        timeout: 5000,
      };
    case 'postgres':
      return { ...common, type: 'postgres', url: database.url, connectTimeoutMS: 10_000 };
    case 'mysql':
      return {
        ...common,
        type: 'mysql',
        url: database.url,
        charset: 'utf8mb4',
        connectTimeout: 10_000,
      };
  }
}
