import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Creates the accounts table with TypeORM's schema API, so it fits SQLite, Postgres and MySQL/MariaDB. */
export class CreateSampleUser1764500000000 implements MigrationInterface {
  name = 'CreateSampleUser1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'sample_user',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'email', type: 'varchar', length: '254', isNullable: true },
          { name: 'password_hash', type: 'varchar', length: '255', isNullable: true },
          { name: 'roles', type: 'text' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'security_version', type: 'integer', default: 0 },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
        indices: [
          new TableIndex({ name: 'idx_sample_user_email', columnNames: ['email'], isUnique: true }),
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sample_user', true);
  }
}
