import { DataSource, LessThan } from 'typeorm';
import type {
  NewSignalRecord,
  SignalQuery,
  SignalRecord,
  SignalStore,
} from '../signals/signal-store.interface';
import { RevocationChangeEntity } from './revocation.entities';
import { RevocationSignalDeliveryEntity, RevocationSignalEntity } from './signal.entities';

/**
 * The signals' durable state on your `DataSource` (SQLite, Postgres or MySQL/MariaDB): the replay
 * guard is a unique index, so it holds across every instance on the database. Needs
 * `JWT_REVOCATION_ENTITIES` and `JWT_REVOCATION_MIGRATIONS` (which include its tables).
 */
export class TypeOrmSignalStore implements SignalStore {
  constructor(private readonly dataSource: DataSource) {}

  async claim(record: NewSignalRecord, staleMs: number): Promise<boolean> {
    const repo = this.dataSource.getRepository(RevocationSignalEntity);
    try {
      await repo.insert(toRow(record));
      return true;
    } catch (error) {
      const existing = await repo.findOneBy({
        direction: 'received',
        issuer: record.issuer,
        jti: record.jti,
        peer: '',
      });
      if (!existing) throw error;
      if (existing.outcome !== 'pending' || existing.createdAt > record.createdAt - staleMs)
        return false;
      // Taken over from an instance that failed while applying it: only one taker wins.
      const taken = await repo.update(
        { id: existing.id, outcome: 'pending', createdAt: existing.createdAt },
        { createdAt: record.createdAt },
      );
      return taken.affected === 1;
    }
  }

  async settle(
    issuer: string,
    jti: string,
    outcome: string,
    count: number,
    subject: string | null,
  ): Promise<void> {
    await this.dataSource
      .getRepository(RevocationSignalEntity)
      .update({ direction: 'received', issuer, jti, peer: '' }, { outcome, count, subject });
  }

  async release(issuer: string, jti: string): Promise<void> {
    await this.dataSource
      .getRepository(RevocationSignalEntity)
      .delete({ direction: 'received', issuer, jti, peer: '', outcome: 'pending' });
  }

  async recordSent(record: NewSignalRecord): Promise<void> {
    const repo = this.dataSource.getRepository(RevocationSignalEntity);
    try {
      await repo.insert(toRow(record));
    } catch (error) {
      const existing = await repo.findOneBy({
        direction: 'sent',
        issuer: record.issuer,
        jti: record.jti,
        peer: record.peer,
      });
      if (!existing) throw error;
    }
  }

  async query(q: SignalQuery): Promise<SignalRecord[]> {
    const rows = await this.dataSource.getRepository(RevocationSignalEntity).find({
      where: {
        ...(q.beforeId === undefined ? {} : { id: LessThan(q.beforeId) }),
        ...(q.direction === undefined ? {} : { direction: q.direction }),
        ...(q.issuer === undefined ? {} : { issuer: q.issuer }),
        ...(q.jti === undefined ? {} : { jti: q.jti }),
      },
      order: { id: 'DESC' },
      take: q.limit,
    });
    return rows.map((r) => ({
      ...r,
      id: Number(r.id),
      direction: r.direction as SignalRecord['direction'],
      protocol: r.protocol as SignalRecord['protocol'],
      events: r.events === '' ? [] : r.events.split(' '),
    }));
  }

  async lease(receiver: string, owner: string, now: number, ttlMs: number): Promise<number | null> {
    const repo = this.dataSource.getRepository(RevocationSignalDeliveryEntity);
    if (!(await repo.existsBy({ receiver }))) {
      const head: { max: string | number | null }[] = await this.dataSource
        .createQueryBuilder(RevocationChangeEntity, 'c')
        .select('MAX(c.seq)', 'max')
        .getRawMany();
      try {
        await repo.insert({
          receiver,
          cursor: Number(head[0]?.max ?? 0),
          leaseOwner: null,
          leaseUntil: 0,
        });
      } catch (error) {
        if (!(await repo.existsBy({ receiver }))) throw error;
      }
    }
    const taken = await repo
      .createQueryBuilder()
      .update(RevocationSignalDeliveryEntity)
      .set({ leaseOwner: owner, leaseUntil: now + ttlMs })
      .where(
        'receiver = :receiver AND (lease_owner = :owner OR lease_owner IS NULL OR lease_until < :now)',
        {
          receiver,
          owner,
          now,
        },
      )
      .execute();
    if (taken.affected !== 1) return null;
    const row = await repo.findOneByOrFail({ receiver });
    return row.leaseOwner === owner ? row.cursor : null;
  }

  async advance(receiver: string, owner: string, cursor: number): Promise<boolean> {
    const moved = await this.dataSource
      .getRepository(RevocationSignalDeliveryEntity)
      .update({ receiver, leaseOwner: owner }, { cursor });
    return moved.affected === 1;
  }

  async unlease(receiver: string, owner: string): Promise<void> {
    await this.dataSource
      .getRepository(RevocationSignalDeliveryEntity)
      .update({ receiver, leaseOwner: owner }, { leaseOwner: null, leaseUntil: 0 });
  }
}

function toRow(record: NewSignalRecord): Omit<RevocationSignalEntity, 'id'> {
  return {
    ...record,
    issuer: record.issuer.slice(0, 255),
    events: record.events.join(' ').slice(0, 1024),
    subject: record.subject === null ? null : record.subject.slice(0, 255),
    outcome: record.outcome.slice(0, 32),
  };
}
