import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

/** Creates the revocation tables. Written with TypeORM's schema API, so one migration fits SQLite, Postgres and MySQL/MariaDB. */
export class CreateJwtRevocation1764300000000 implements MigrationInterface {
  name = 'CreateJwtRevocation1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = ['better-sqlite3', 'sqlite'].includes(queryRunner.connection.options.type);
    const serial = (name: string): TableColumnOptions => ({
      name,
      type: sqlite ? 'integer' : 'bigint',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    });
    const str = (name: string, length: number, isNullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });
    const time = (name: string, isNullable = false): TableColumnOptions => ({
      name,
      type: 'bigint',
      isNullable,
    });
    const int = (name: string, dflt?: number): TableColumnOptions => ({
      name,
      type: 'integer',
      ...(dflt === undefined ? {} : { default: dflt }),
    });

    await queryRunner.createTable(
      new Table({
        name: 'jwt_revocation_change',
        columns: [
          serial('seq'),
          str('kind', 16),
          str('target', 255),
          int('version', 0),
          time('expires_at'),
          time('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_jwt_revocation_change_expires',
            columnNames: ['expires_at'],
          }),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'jwt_revocation_session',
        columns: [
          { ...str('id', 64), isPrimary: true },
          str('subject', 255),
          { name: 'roles', type: 'text' },
          time('created_at'),
          time('last_seen_at'),
          time('expires_at'),
          str('ip', 64, true),
          str('last_ip', 64, true),
          str('user_agent', 512, true),
          int('user_version'),
          int('global_version'),
          str('refresh_jti', 64),
          time('refresh_issued_at'),
          time('refresh_expires_at'),
          str('previous_refresh_jti', 64, true),
          time('rotated_at', true),
          time('revoked_at', true),
          str('revoked_reason', 64, true),
        ],
        indices: [
          new TableIndex({ name: 'idx_jwt_revocation_session_subject', columnNames: ['subject'] }),
          new TableIndex({ name: 'idx_jwt_revocation_session_ip', columnNames: ['ip'] }),
          new TableIndex({ name: 'idx_jwt_revocation_session_last_ip', columnNames: ['last_ip'] }),
          new TableIndex({
            name: 'idx_jwt_revocation_session_expires',
            columnNames: ['expires_at'],
          }),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'jwt_revocation_version',
        columns: [
          { ...str('scope', 8), isPrimary: true },
          { ...str('subject', 255), isPrimary: true },
          int('version'),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'jwt_revocation_audit',
        columns: [
          serial('id'),
          str('kind', 16),
          str('target', 255),
          str('reason', 64),
          str('actor', 255, true),
          int('count'),
          time('created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'idx_jwt_revocation_audit_target',
            columnNames: ['kind', 'target'],
          }),
        ],
      }),
      true,
    );
  }

  /**
   * Refuses: reverting would drop every revocation, and revoked tokens would work again.
   * Drop the `jwt_revocation_*` tables by hand if that is really what you want.
   */
  async down(): Promise<void> {
    throw new Error(
      'CreateJwtRevocation1764300000000 is not reverted automatically: it would drop every revocation ' +
        'and revoked tokens would work again. Drop the jwt_revocation_* tables by hand if you mean it.',
    );
  }
}
