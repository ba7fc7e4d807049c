import { DataSource } from 'typeorm';
import { ConfigError, loadDatabaseConfig } from '../config/sample.config';
import { dataSourceOptions } from './data-source.options';

/**
 * `npm run migrate`: applies the sample's and the library's pending migrations to `DATABASE_URL`
 * and exits. Run it once before starting several instances with `MIGRATIONS_RUN=false`.
 */
async function main(): Promise<void> {
  const database = loadDatabaseConfig(process.env);
  // A migration may rewrite a large table: no statement deadline here.
  const dataSource = await new DataSource(
    dataSourceOptions({ ...database, timeout: 0 }, false),
  ).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    console.log(
      applied.length === 0
        ? 'The database is up to date.'
        : `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `Migration failed: ${String(error)}`,
  );
  process.exit(1);
});
