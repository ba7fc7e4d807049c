import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

/** The signals audit trail (and replay guard) and the SET delivery cursors. SQLite, Postgres and MySQL/MariaDB. */
export class CreateJwtRevocationSignals1765100000000 implements MigrationInterface {
  name = 'CreateJwtRevocationSignals1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = ['better-sqlite3', 'sqlite'].includes(queryRunner.connection.options.type);
    const str = (
      name: string,
      length: number,
      extra: Partial<TableColumnOptions> = {},
    ): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      ...extra,
    });
    await queryRunner.createTable(
      new Table({
        name: 'jwt_revocation_signal',
        columns: [
          {
            name: 'id',
            type: sqlite ? 'integer' : 'bigint',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          str('direction', 8),
          str('protocol', 32),
          str('issuer', 255),
          str('jti', 128),
          str('peer', 64, { default: "''" }),
          str('events', 1024),
          str('subject', 255, { isNullable: true }),
          str('outcome', 32),
          { name: 'count', type: 'integer', default: 0 },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({
            name: 'uq_jwt_revocation_signal',
            columnNames: ['direction', 'issuer', 'jti', 'peer'],
            isUnique: true,
          }),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'jwt_revocation_signal_delivery',
        columns: [
          { ...str('receiver', 64), isPrimary: true },
          { name: 'last_seq', type: 'bigint' },
          str('lease_owner', 128, { isNullable: true }),
          { name: 'lease_until', type: 'bigint', default: 0 },
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('jwt_revocation_signal_delivery', true);
    await queryRunner.dropTable('jwt_revocation_signal', true);
  }
}
