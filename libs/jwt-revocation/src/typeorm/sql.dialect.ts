import type { DataSource } from 'typeorm';

/**
 * What differs between the SQL databases the TypeORM store runs on, chosen once per `DataSource`:
 * the store's queries read it instead of testing the driver type.
 */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /**
   * Inserts a version row at 1, or raises it by one; its time (`revoked_at`) only grows, whatever
   * order concurrent revocations commit in. Parameters (`$n` on Postgres, `?` elsewhere): scope,
   * subject, time.
   */
  raiseVersion(table: string): string;
  /**
   * Aggregates one page of `seq, kind, expires_at, target` rows into one JSON array of
   * `"<seq> <kind> <expiresAt> <target>"` strings; `null` where snapshots stream with `COPY`.
   */
  readonly entriesAggregate: string | null;
  /**
   * The table hint that makes a snapshot page (`seq > ? AND <live> ORDER BY seq LIMIT n`) walk the
   * primary key from `?`: left to itself, the planner may pick the `(kind, target)` index and sort
   * every live row for each page, which makes a snapshot of 1M rows quadratic (minutes, not seconds).
   */
  readonly primaryKeyOrder: string;
  /** One connection for everything: transactions from concurrent requests would interleave, so writes queue. */
  readonly serialisesWrites: boolean;
}

const SQLITE: SqlDialect = {
  name: 'sqlite',
  raiseVersion: (table) =>
    `INSERT INTO ${table} (scope, subject, version, revoked_at) VALUES (?, ?, 1, ?)
      ON CONFLICT (scope, subject) DO UPDATE SET version = ${table}.version + 1,
      revoked_at = MAX(${table}.revoked_at, excluded.revoked_at)`,
  entriesAggregate: `json_group_array(seq || ' ' || kind || ' ' || expires_at || ' ' || target)`,
  // `seq` is the rowid: NOT INDEXED still allows the rowid range scan.
  primaryKeyOrder: 'NOT INDEXED',
  serialisesWrites: true,
};

const POSTGRES: SqlDialect = {
  name: 'postgres',
  raiseVersion: (table) =>
    `INSERT INTO ${table} (scope, subject, version, revoked_at) VALUES ($1, $2, 1, $3)
      ON CONFLICT (scope, subject) DO UPDATE SET version = ${table}.version + 1,
      revoked_at = GREATEST(${table}.revoked_at, excluded.revoked_at)`,
  entriesAggregate: null,
  primaryKeyOrder: '',
  serialisesWrites: false,
};

const MYSQL: SqlDialect = {
  name: 'mysql',
  raiseVersion: (table) =>
    `INSERT INTO ${table} (scope, subject, version, revoked_at) VALUES (?, ?, 1, ?)
      ON DUPLICATE KEY UPDATE version = version + 1,
      revoked_at = GREATEST(revoked_at, VALUES(revoked_at))`,
  entriesAggregate: `JSON_ARRAYAGG(CONCAT(seq, ' ', kind, ' ', expires_at, ' ', target))`,
  primaryKeyOrder: 'FORCE INDEX (PRIMARY)',
  serialisesWrites: false,
};

/** The dialect of a `DataSource`; throws for a database the store was not written for. */
export function sqlDialectOf(dataSource: DataSource): SqlDialect {
  switch (dataSource.options.type) {
    case 'better-sqlite3':
      return SQLITE;
    case 'postgres':
      return POSTGRES;
    case 'mysql':
    case 'mariadb':
      return MYSQL;
    default:
      throw new Error(
        `TypeOrmRevocationStore supports SQLite, Postgres and MySQL/MariaDB, not ${dataSource.options.type}.`,
      );
  }
}
