import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

const AUDIT_TABLE = 'jwt_revocation_audit';

/**
 * A revocation made with `count: false` records no count: its audit entry's `count` is null.
 * Reverting writes 0 for those entries.
 */
export class AllowUncountedAudit1765200000000 implements MigrationInterface {
  name = 'AllowUncountedAudit1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.changeColumn(
      AUDIT_TABLE,
      'count',
      new TableColumn({ name: 'count', type: 'integer', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const escape = (name: string) => queryRunner.connection.driver.escape(name);
    await queryRunner.query(
      `UPDATE ${escape(AUDIT_TABLE)} SET ${escape('count')} = 0 WHERE ${escape('count')} IS NULL`,
    );
    await queryRunner.changeColumn(
      AUDIT_TABLE,
      'count',
      new TableColumn({ name: 'count', type: 'integer' }),
    );
  }
}
