import { Column, Entity, Index, PrimaryColumn, ValueTransformer } from 'typeorm';

export type UserStatus = 'active' | 'suspended' | 'deleted';

const bigintAsNumber: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | number) => Number(value),
};

const json: ValueTransformer = {
  to: (value: string[]) => JSON.stringify(value),
  from: (value: string) => JSON.parse(value) as string[],
};

/**
 * An account. Deleting one keeps its row as a tombstone (no email, no password), so its id is
 * never handed out again. Times in ms since the epoch.
 */
@Entity({ name: 'sample_user' })
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Lower-cased. Null once deleted, which frees the address for a new account. */
  @Index('idx_sample_user_email', { unique: true })
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash: string | null;

  @Column({ type: 'text', transformer: json })
  roles: string[];

  @Column({ type: 'varchar', length: 16 })
  status: UserStatus;

  /** Raised by every change that revokes the user's tokens: lets a login detect a change made meanwhile. */
  @Column({ name: 'security_version', type: 'integer', default: 0 })
  securityVersion: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: bigintAsNumber })
  updatedAt: number;
}
