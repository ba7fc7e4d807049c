import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Failed-login counters shared by every instance (when no Redis is configured). */
export class CreateSampleLoginAttempt1764700000000 implements MigrationInterface {
  name = 'CreateSampleLoginAttempt1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'sample_login_attempt',
        columns: [
          { name: 'attempt_key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'failures', type: 'integer' },
          { name: 'reset_at', type: 'bigint' },
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sample_login_attempt', true);
  }
}
