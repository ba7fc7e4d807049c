import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

const VERSION_TABLE = 'jwt_revocation_version';

/**
 * Records when each user-wide (and the last global) revocation happened, next to its version:
 * tokens that carry no version claims (signed before the app adopted the library) are revoked
 * when issued at or before that time. Existing rows take the time of their latest change still in
 * the change log, or 0 when it was purged (such old tokens have expired by then).
 */
export class RecordWholesaleRevocationTime1764900000000 implements MigrationInterface {
  name = 'RecordWholesaleRevocationTime1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      VERSION_TABLE,
      new TableColumn({ name: 'revoked_at', type: 'bigint', default: 0 }),
    );
    await queryRunner.query(
      `UPDATE ${VERSION_TABLE} SET revoked_at = COALESCE((SELECT MAX(c.created_at)
        FROM jwt_revocation_change c
        WHERE c.kind = ${VERSION_TABLE}.scope AND c.target = ${VERSION_TABLE}.subject), 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn(VERSION_TABLE, 'revoked_at');
  }
}
