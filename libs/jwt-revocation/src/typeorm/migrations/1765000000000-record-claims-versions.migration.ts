import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

const SESSION_TABLE = 'jwt_revocation_session';
const CHANGE_TABLE = 'jwt_revocation_change';
const TARGET_INDEX = new TableIndex({
  name: 'idx_jwt_revocation_change_target',
  columnNames: ['kind', 'target'],
});

/**
 * Claims versions: each session records the claims version its roles reflect (the user's claims
 * versions live in `jwt_revocation_version` under scope `claims`). Also indexes the change log by
 * target, so a retried `jti` revocation finds the first one and counts nothing more.
 */
export class RecordClaimsVersions1765000000000 implements MigrationInterface {
  name = 'RecordClaimsVersions1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      SESSION_TABLE,
      new TableColumn({ name: 'claims_version', type: 'integer', default: 0 }),
    );
    await queryRunner.createIndex(CHANGE_TABLE, TARGET_INDEX);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(CHANGE_TABLE, TARGET_INDEX.name!);
    await queryRunner.dropColumn(SESSION_TABLE, 'claims_version');
  }
}
