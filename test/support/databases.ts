import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { JWT_REVOCATION_ENTITIES, JWT_REVOCATION_MIGRATIONS } from 'nestjs-jwt-revocation/typeorm';

/** A database made for one test run, and how to remove it. */
export interface TestDatabase {
  name: 'sqlite' | 'postgres' | 'mariadb';
  /** TypeORM options pointing at the fresh database (no entities yet). */
  options: DataSourceOptions;
  /** `DATABASE_URL` form, for booting the sample app. */
  url: string;
  drop(): Promise<void>;
}

export type DatabaseKind = TestDatabase['name'];

export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/mysql';

function uniqueName(): string {
  return `jwtrev_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** Creates an empty database of the given kind on the loopback servers (or a temp SQLite file). */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const name = uniqueName();
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'jwtrev-'));
    const file = join(dir, 'test.sqlite');
    return {
      name: kind,
      options: { type: 'better-sqlite3', database: file },
      url: `sqlite:${file}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = kind === 'postgres' ? POSTGRES_URL : MARIADB_URL;
  const admin = new DataSource(
    kind === 'postgres' ? { type: 'postgres', url: adminUrl } : { type: 'mysql', url: adminUrl },
  );
  await admin.initialize();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  return {
    name: kind,
    options: kind === 'postgres' ? { type: 'postgres', url } : { type: 'mysql', url },
    url,
    drop: async () => {
      const dropper = new DataSource(
        kind === 'postgres'
          ? { type: 'postgres', url: adminUrl }
          : { type: 'mysql', url: adminUrl },
      );
      await dropper.initialize();
      if (kind === 'postgres') {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } else {
        await dropper.query(`DROP DATABASE IF EXISTS ${name}`);
      }
      await dropper.destroy();
    },
  };
}

/** Which databases the suites run on: all three unless `TEST_DATABASES` narrows it (e.g. `sqlite`). */
export function testDatabaseKinds(): DatabaseKind[] {
  const wanted = process.env.TEST_DATABASES;
  const all: DatabaseKind[] = ['sqlite', 'postgres', 'mariadb'];
  return wanted ? all.filter((k) => wanted.split(',').includes(k)) : all;
}

/** A connection to `db` with the library's tables, migrated; `poolSize` caps its pool. */
export function openRevocationDataSource(
  db: TestDatabase,
  { poolSize, extra }: { poolSize?: number; extra?: Record<string, unknown> } = {},
): Promise<DataSource> {
  return new DataSource({
    ...db.options,
    ...(poolSize === undefined ? {} : { poolSize }),
    ...(extra === undefined ? {} : { extra }),
    entities: JWT_REVOCATION_ENTITIES,
    migrations: JWT_REVOCATION_MIGRATIONS,
    migrationsRun: true,
  } as DataSourceOptions).initialize();
}
