import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

const SESSION_TABLE = 'jwt_revocation_session';
const SUBJECT_INDEX = new TableIndex({
  name: 'idx_jwt_revocation_session_subject',
  columnNames: ['subject'],
});
const LIVE_BY_SUBJECT_INDEX = new TableIndex({
  name: 'idx_jwt_revocation_session_subject_live',
  columnNames: ['subject', 'revoked_at', 'user_version', 'global_version', 'expires_at'],
});

/**
 * Replaces the session index on `subject` with one that also holds every column a user-wide
 * revocation counts by, so that counting a user's live sessions reads the index alone.
 */
export class IndexLiveSessionsBySubject1764600000000 implements MigrationInterface {
  name = 'IndexLiveSessionsBySubject1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(SESSION_TABLE, LIVE_BY_SUBJECT_INDEX);
    await queryRunner.dropIndex(SESSION_TABLE, SUBJECT_INDEX.name!);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(SESSION_TABLE, SUBJECT_INDEX);
    await queryRunner.dropIndex(SESSION_TABLE, LIVE_BY_SUBJECT_INDEX.name!);
  }
}
