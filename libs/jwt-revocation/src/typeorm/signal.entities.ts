import {
  Column,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  ValueTransformer,
} from 'typeorm';

const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * Received and sent security signals: the signals audit trail, and the replay guard (one row per
 * received `(issuer, jti)`). Never purged.
 */
@Entity({ name: 'jwt_revocation_signal' })
@Index('uq_jwt_revocation_signal', ['direction', 'issuer', 'jti', 'peer'], { unique: true })
export class RevocationSignalEntity {
  /** A string from Postgres and MySQL (bigint): read it with `Number()`. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: number | string;

  @Column({ type: 'varchar', length: 8 })
  direction: string;

  @Column({ type: 'varchar', length: 32 })
  protocol: string;

  @Column({ type: 'varchar', length: 255 })
  issuer: string;

  @Column({ type: 'varchar', length: 128 })
  jti: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  peer: string;

  /** Event type URIs, space-separated. */
  @Column({ type: 'varchar', length: 1024 })
  events: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  subject: string | null;

  @Column({ type: 'varchar', length: 32 })
  outcome: string;

  @Column({ type: 'integer', default: 0 })
  count: number;

  @Column({ name: 'created_at', type: 'bigint', transformer: bigintAsNumber })
  createdAt: number;
}

/** Per receiver of sent SETs: its cursor in the change log and the lease of the instance sending. */
@Entity({ name: 'jwt_revocation_signal_delivery' })
export class RevocationSignalDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  receiver: string;

  @Column({ name: 'last_seq', type: 'bigint', transformer: bigintAsNumber })
  cursor: number;

  @Column({ name: 'lease_owner', type: 'varchar', length: 128, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_until', type: 'bigint', default: 0, transformer: bigintAsNumber })
  leaseUntil: number;
}
