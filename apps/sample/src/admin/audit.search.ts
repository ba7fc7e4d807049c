import { Inject, Injectable } from '@nestjs/common';
import type { AuditEntry } from 'nestjs-jwt-revocation';
import { RevocationAuditEntity, RevocationSessionEntity } from 'nestjs-jwt-revocation/typeorm';
import { Brackets, DataSource } from 'typeorm';

/** Filters of `GET /admin/revocations` beyond what the library's `audit()` offers. Times in ms. */
export interface AuditFilter {
  limit: number;
  beforeId?: number;
  kind?: AuditEntry['kind'];
  target?: string;
  /** Entries about this user id or one of the user's sessions still on record. */
  userId?: string;
  reason?: string;
  actor?: string;
  since?: number;
  until?: number;
}

/**
 * Searches the audit trail in the sample's database, where the TypeORM store keeps it (the
 * library's `RevocationService.audit()` filters by kind and target only). Newest first.
 */
@Injectable()
export class AuditSearch {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async find(filter: AuditFilter): Promise<AuditEntry[]> {
    const query = this.dataSource
      .getRepository(RevocationAuditEntity)
      .createQueryBuilder('audit')
      .orderBy('audit.id', 'DESC')
      .take(filter.limit);
    if (filter.beforeId !== undefined) query.andWhere('audit.id < :beforeId', filter);
    if (filter.kind !== undefined) query.andWhere('audit.kind = :kind', filter);
    if (filter.target !== undefined) query.andWhere('audit.target = :target', filter);
    if (filter.reason !== undefined) query.andWhere('audit.reason = :reason', filter);
    if (filter.actor !== undefined) query.andWhere('audit.actor = :actor', filter);
    if (filter.since !== undefined) query.andWhere('audit.createdAt >= :since', filter);
    if (filter.until !== undefined) query.andWhere('audit.createdAt < :until', filter);
    if (filter.userId !== undefined) {
      const sessions = query
        .subQuery()
        .select('session.id')
        .from(RevocationSessionEntity, 'session')
        .where('session.subject = :userId')
        .getQuery();
      query.andWhere(
        new Brackets((about) =>
          about
            .where("(audit.kind = 'user' AND audit.target = :userId)")
            .orWhere(`(audit.kind = 'session' AND audit.target IN ${sessions})`),
        ),
        { userId: filter.userId },
      );
    }
    const rows = await query.getMany();
    return rows.map((r) => ({ ...r, id: Number(r.id), kind: r.kind as AuditEntry['kind'] }));
  }
}
