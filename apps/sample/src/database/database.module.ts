import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SampleConfig } from '../config/sample.config';
import { dataSourceOptions } from './data-source.options';
import { boundPoolWaits } from './pool-waits';
import { boundQueriesByDeadline } from './query-deadline';

@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** The database could not be opened or migrated at boot. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

async function openDataSource(config: SampleConfig): Promise<DataSource> {
  const { database } = config;
  // A migration may rewrite a large table: on a server, migrations run on a connection of their own
  // without the request-sized statement deadline (SQLite has none, and `:memory:` must stay one).
  const migrateApart = config.migrationsRun && database.type !== 'sqlite';
  try {
    if (migrateApart) {
      await new DataSource(dataSourceOptions({ ...database, timeout: 0 }, true))
        .initialize()
        .then((migrator) => migrator.destroy());
    }
    const dataSource = await new DataSource(
      dataSourceOptions(database, config.migrationsRun && !migrateApart),
    ).initialize();
    boundPoolWaits(dataSource, Math.ceil(database.timeout * 1000));
    boundQueriesByDeadline(dataSource, Math.max(1, Math.ceil(database.timeout)));
    return dataSource;
  } catch (error) {
    const where = database.type === 'sqlite' ? database.path : database.type;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseUnavailableError(
      `cannot open or migrate the database (${where}): ${reason}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The TypeORM `DataSource`, connected and migrated before anything uses it. Not global on purpose:
 * its shutdown hook then runs after the (global) revocation module has stopped polling.
 */
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [SampleConfig],
      useFactory: openDataSource,
    },
    DataSourceCloser,
  ],
  exports: [DataSource],
})
export class DatabaseModule {}
