import { AdvancedConsoleLogger, DataSourceOptions } from 'typeorm';
import { JWT_REVOCATION_ENTITIES, JWT_REVOCATION_MIGRATIONS } from 'nestjs-jwt-revocation/typeorm';
import type { DatabaseConfig } from '../config/sample.config';
import { UserEntity } from '../users/user.entity';
import { CreateSampleUser1764500000000 } from './migrations/1764500000000-create-sample-user.migration';
import { CreateSampleLoginAttempt1764700000000 } from './migrations/1764700000000-create-sample-login-attempt.migration';

/**
 * TypeORM's logger, less its slow-query warning: TypeORM prints it (with the query's parameters:
 * ids, emails) for every MySQL query past `maxQueryExecutionTime`, which is our query timeout, so
 * an outage would flood the log with what the 503s already say.
 */
class SampleTypeOrmLogger extends AdvancedConsoleLogger {
  override logQuerySlow(): void {}
}

/**
 * TypeORM options for the app's tables and the library's, migrated at startup unless told not to
 * (never synchronized). Every wait on the database is bounded by `database.timeout`: a pool
 * connection (Postgres: `connectionTimeoutMillis`, which also bounds the wait for a free one;
 * MySQL: see `boundPoolWaits`), a new connection, a statement (Postgres: `statement_timeout` on the
 * server and `query_timeout` on the client; MySQL: the client's query timeout) and a lock (SQLite's
 * busy timeout). A `timeout` of 0 leaves statements unbounded, for migrations.
 */
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
  const timeoutMs = Math.ceil(database.timeout * 1000);
  const connectMs = timeoutMs || 10_000;
  switch (database.type) {
    case 'sqlite':
      return {
        ...common,
        type: 'better-sqlite3',
        database: database.path,
        enableWAL: database.path !== ':memory:',
        timeout: connectMs,
      };
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        url: database.url,
        poolSize: database.poolSize,
        connectTimeoutMS: connectMs,
        extra: timeoutMs ? { statement_timeout: timeoutMs, query_timeout: timeoutMs } : {},
      };
    case 'mysql':
      return {
        ...common,
        type: 'mysql',
        url: database.url,
        charset: 'utf8mb4',
        poolSize: database.poolSize,
        connectTimeout: connectMs,
        ...(timeoutMs ? { enableQueryTimeout: true, maxQueryExecutionTime: timeoutMs } : {}),
        logger: new SampleTypeOrmLogger(false),
      };
  }
}
