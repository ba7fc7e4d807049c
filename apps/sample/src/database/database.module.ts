import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SampleConfig } from '../config/sample.config';
import { dataSourceOptions } from './data-source.options';
import { boundPoolWaits } from './pool-waits';

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
  try {
    const dataSource = await new DataSource(
      dataSourceOptions(config.database, config.migrationsRun),
    ).initialize();
    boundPoolWaits(dataSource, Math.ceil(config.database.timeout * 1000));
    return dataSource;
  } catch (error) {
    const where = config.database.type === 'sqlite' ? config.database.path : config.database.type;
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
