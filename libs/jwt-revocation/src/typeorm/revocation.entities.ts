import {
  Column,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  ValueTransformer,
} from 'typeorm';
import { RevocationSignalDeliveryEntity, RevocationSignalEntity } from './signal.entities';

/** bigint columns come back as strings from Postgres and MySQL: times and sequence numbers fit a double. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** The ordered log of revocation changes; `seq` is the cursor instances poll by. */
@Entity({ name: 'jwt_revocation_change' })
@Index('idx_jwt_revocation_change_expires', ['expiresAt'])
@Index('idx_jwt_revocation_change_target', ['kind', 'target'])
export class RevocationChangeEntity {
  /** A string from Postgres and MySQL (bigint): read it with `Number()`. */
  @PrimaryGeneratedColumn({ name: 'seq', type: 'bigint' })
  seq: number | string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'varchar', length: 255 })
  target: string;

  @Column({ type: 'integer', default: 0 })
  version: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintAsNumber })
  expiresAt: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;
}

/** A login session and the state of its refresh-token family. */
@Entity({ name: 'jwt_revocation_session' })
@Index('idx_jwt_revocation_session_subject_live', [
  'subject',
  'revokedAt',
  'userVersion',
  'globalVersion',
  'expiresAt',
])
@Index('idx_jwt_revocation_session_ip', ['ip'])
@Index('idx_jwt_revocation_session_last_ip', ['lastIp'])
@Index('idx_jwt_revocation_session_expires', ['expiresAt'])
export class RevocationSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  subject: string;

  @Column({ type: 'text' })
  roles: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;

  @Column({ name: 'last_seen_at', type: 'bigint', transformer: bigintAsNumber })
  lastSeenAt: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: bigintAsNumber })
  expiresAt: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'last_ip', type: 'varchar', length: 64, nullable: true })
  lastIp: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ name: 'user_version', type: 'integer' })
  userVersion: number;

  @Column({ name: 'global_version', type: 'integer' })
  globalVersion: number;

  @Column({ name: 'claims_version', type: 'integer', default: 0 })
  claimsVersion: number;

  @Column({ name: 'refresh_jti', type: 'varchar', length: 64 })
  refreshJti: string;

  @Column({ name: 'refresh_issued_at', type: 'bigint', transformer: bigintAsNumber })
  refreshIssuedAt: number;

  @Column({ name: 'refresh_expires_at', type: 'bigint', transformer: bigintAsNumber })
  refreshExpiresAt: number;

  @Column({ name: 'previous_refresh_jti', type: 'varchar', length: 64, nullable: true })
  previousRefreshJti: string | null;

  @Column({ name: 'rotated_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  rotatedAt: number | null;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  revokedAt: number | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 64, nullable: true })
  revokedReason: string | null;
}

/**
 * Versions: one `user` row per user that was ever revoked wholesale, one `claims` row per user
 * whose claims changed, and one `global` row.
 */
@Entity({ name: 'jwt_revocation_version' })
export class RevocationVersionEntity {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  scope: 'user' | 'global' | 'claims';

  @PrimaryColumn({ type: 'varchar', length: 255 })
  subject: string;

  @Column({ type: 'integer' })
  version: number;

  /** When the version was last raised (ms): tokens without version claims (or without `cv`) issued by then are refused. */
  @Column({ name: 'revoked_at', type: 'bigint', default: 0, transformer: bigintAsNumber })
  revokedAt: number;
}

/** The audit trail of revocations. Never purged. */
@Entity({ name: 'jwt_revocation_audit' })
@Index('idx_jwt_revocation_audit_target', ['kind', 'target'])
export class RevocationAuditEntity {
  /** A string from Postgres and MySQL (bigint): read it with `Number()`. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: number | string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'varchar', length: 255 })
  target: string;

  @Column({ type: 'varchar', length: 64 })
  reason: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  actor: string | null;

  @Column({ type: 'integer', nullable: true })
  count: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;
}

/** Add these to your `DataSource`'s `entities`. */
export const JWT_REVOCATION_ENTITIES = [
  RevocationChangeEntity,
  RevocationSessionEntity,
  RevocationVersionEntity,
  RevocationAuditEntity,
  RevocationSignalEntity,
  RevocationSignalDeliveryEntity,
];
