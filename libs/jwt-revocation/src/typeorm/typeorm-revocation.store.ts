import { DataSource, EntityManager, In, LessThan, LessThanOrEqual, MoreThan } from 'typeorm';
import type {
  AuditEntry,
  AuditQuery,
  RefreshRotation,
  RevocationChange,
  RevocationCommand,
  RevocationOutcome,
  RevocationSnapshot,
  SnapshotOptions,
  RevocationStore,
  SessionRecord,
} from '../storage/revocation-store.interface';
import {
  auditTarget,
  withTime,
  isSessionActive,
  sessionDenyUntil,
  VERSION_CHANGE_RETENTION_MS,
} from '../storage/session-state';
import {
  RevocationAuditEntity,
  RevocationChangeEntity,
  RevocationSessionEntity,
  RevocationVersionEntity,
} from './revocation.entities';
import { copyChanges } from './postgres-copy.reader';

type Versions = { user: number; global: number };
const EXPIRING_KINDS = ['jti', 'session', 'session-open'];
type ExpiringKind = 'jti' | 'session' | 'session-open';
const SNAPSHOT_BATCH = 2_000;

/**
 * The durable store, on the `DataSource` you give it (SQLite, Postgres or MySQL/MariaDB).
 * Register `JWT_REVOCATION_ENTITIES` and `JWT_REVOCATION_MIGRATIONS` on that DataSource.
 */
export class TypeOrmRevocationStore implements RevocationStore {
  private readonly sqlite: boolean;
  private writeQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {
    this.sqlite = ['better-sqlite3', 'sqlite'].includes(dataSource.options.type);
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  async loadSnapshot(now: number, options: SnapshotOptions = {}): Promise<RevocationSnapshot> {
    const cursorRows: { max: string | number | null }[] = await this.dataSource
      .createQueryBuilder(RevocationChangeEntity, 'c')
      .select('MAX(c.seq)', 'max')
      .getRawMany();
    const cursor = Number(cursorRows[0]?.max ?? 0);
    const kinds: ExpiringKind[] =
      options.openSessions === false ? ['jti', 'session'] : ['jti', 'session', 'session-open'];
    const versions = await this.dataSource.getRepository(RevocationVersionEntity).find();
    const global = versions.find((v) => v.scope === 'global');
    return {
      cursor,
      changes: this.liveChanges(kinds, Math.floor(now)),
      userVersions: versions
        .filter((v) => v.scope === 'user')
        .map((v) => [v.subject, v.version, v.revokedAt]),
      globalVersion: global?.version ?? 0,
      globalRevokedAt: global?.revokedAt ?? 0,
    };
  }

  /**
   * Every unexpired change of `kinds`, in batches of up to `SNAPSHOT_BATCH`. This reads up to
   * millions of rows at startup, where per-row costs dominate. Postgres streams them with
   * `COPY ... TO STDOUT` (see `copyChanges`). SQLite and MySQL read pages by primary key, each
   * aggregated by the database into one JSON array of `"<seq> <kind> <expiresAt> <target>"`
   * strings (split at the first three spaces, so any target survives) and read as the cache asks
   * for it. Batches are small enough that each one (its strings and its change objects) dies
   * young: larger ones go to V8's large-object space and stay there as garbage, slowing the
   * server, until the next full collection.
   */
  private liveChanges(kinds: ExpiringKind[], now: number): AsyncGenerator<RevocationChange[]> {
    const table = this.table('jwt_revocation_change');
    const live = `kind IN (${kinds.map((k) => `'${k}'`).join(', ')}) AND expires_at > ${now}`;
    if (this.dataSource.options.type === 'postgres') {
      const select = `SELECT seq, kind, target, expires_at FROM ${table} WHERE ${live}`;
      return copyChanges(this.dataSource, select, SNAPSHOT_BATCH);
    }
    return this.pageChanges(table, live);
  }

  private async *pageChanges(table: string, live: string): AsyncGenerator<RevocationChange[]> {
    const aggregate = this.sqlite
      ? `json_group_array(seq || ' ' || kind || ' ' || expires_at || ' ' || target)`
      : `JSON_ARRAYAGG(CONCAT(seq, ' ', kind, ' ', expires_at, ' ', target))`;
    const query = `SELECT ${aggregate} AS entries FROM (SELECT seq, kind, target, expires_at
      FROM ${table} WHERE seq > ? AND ${live} ORDER BY seq LIMIT ${SNAPSHOT_BATCH}) page`;
    for (let after = 0; ;) {
      const [batch]: { entries: string | string[] | null }[] = await this.dataSource.query(query, [
        after,
      ]);
      // mysql2 hands JSON values over parsed already.
      const raw = batch?.entries ?? '[]';
      const entries = typeof raw === 'string' ? (JSON.parse(raw) as string[]) : raw;
      if (entries.length === 0) return;
      const changes = parseEntries(entries);
      yield changes;
      for (const change of changes) if (change.seq > after) after = change.seq;
    }
  }

  async changesSince(cursor: number, limit: number): Promise<RevocationChange[]> {
    const rows = await this.dataSource.getRepository(RevocationChangeEntity).find({
      where: { seq: MoreThan(cursor) },
      order: { seq: 'ASC' },
      take: limit,
    });
    return rows.map(toChange);
  }

  async versions(subject: string): Promise<Versions> {
    return this.readVersions(this.dataSource.manager, subject);
  }

  revoke(command: RevocationCommand): Promise<RevocationOutcome> {
    return this.write(() =>
      this.dataSource.transaction(async (em) => {
        const outcome = await this.applyRevocation(em, command);
        await em.insert(RevocationAuditEntity, {
          kind: command.target.kind,
          target: auditTarget(command).slice(0, 255),
          reason: String(command.reason).slice(0, 64),
          actor: command.actor ? command.actor.slice(0, 255) : null,
          count: outcome.count,
          createdAt: command.at,
        });
        return outcome;
      }),
    );
  }

  createSession(session: SessionRecord): Promise<RevocationChange> {
    return this.write(() =>
      this.dataSource.transaction(async (em) => {
        await em.insert(RevocationSessionEntity, {
          ...session,
          roles: JSON.stringify(session.roles),
        });
        return this.appendChange(
          em,
          'session-open',
          session.id,
          0,
          session.expiresAt,
          session.createdAt,
        );
      }),
    );
  }

  async findSession(id: string): Promise<SessionRecord | null> {
    const row = await this.dataSource.getRepository(RevocationSessionEntity).findOneBy({ id });
    return row ? toSession(row) : null;
  }

  async listSessions(subject: string, now: number): Promise<SessionRecord[]> {
    const versions = await this.versions(subject);
    const rows = await this.dataSource.getRepository(RevocationSessionEntity).find({
      where: { subject, expiresAt: MoreThan(now) },
      order: { createdAt: 'ASC' },
    });
    return rows.map(toSession).filter((s) => isSessionActive(s, versions, now));
  }

  rotateRefresh(r: RefreshRotation): Promise<boolean> {
    return this.write(async () => {
      const result = await this.dataSource
        .createQueryBuilder()
        .update(RevocationSessionEntity)
        .set({
          previousRefreshJti: r.expectedJti,
          refreshJti: r.nextJti,
          refreshIssuedAt: r.issuedAt,
          refreshExpiresAt: r.expiresAt,
          rotatedAt: r.at,
          lastSeenAt: r.at,
          ...(r.ip ? { lastIp: r.ip } : {}),
        })
        .where('id = :id AND refresh_jti = :expected AND revoked_at IS NULL', {
          id: r.sessionId,
          expected: r.expectedJti,
        })
        .execute();
      return result.affected === 1;
    });
  }

  async queryAudit(q: AuditQuery): Promise<AuditEntry[]> {
    const rows = await this.dataSource.getRepository(RevocationAuditEntity).find({
      where: {
        ...(q.beforeId === undefined ? {} : { id: LessThan(q.beforeId) }),
        ...(q.kind === undefined ? {} : { kind: q.kind }),
        ...(q.target === undefined ? {} : { target: q.target }),
      },
      order: { id: 'DESC' },
      take: q.limit,
    });
    return rows.map((r) => ({ ...r, id: Number(r.id), kind: r.kind as AuditEntry['kind'] }));
  }

  purgeExpired(now: number): Promise<number> {
    return this.write(async () => {
      const changes = this.dataSource.getRepository(RevocationChangeEntity);
      const expired = await changes.delete({
        kind: In(EXPIRING_KINDS),
        expiresAt: LessThanOrEqual(now),
      });
      const versions = await changes.delete({
        kind: In(['user', 'global']),
        createdAt: LessThanOrEqual(now - VERSION_CHANGE_RETENTION_MS),
      });
      const sessions = await this.dataSource
        .getRepository(RevocationSessionEntity)
        .delete({ expiresAt: LessThanOrEqual(now) });
      return (expired.affected ?? 0) + (versions.affected ?? 0) + (sessions.affected ?? 0);
    });
  }

  private async applyRevocation(
    em: EntityManager,
    command: RevocationCommand,
  ): Promise<RevocationOutcome> {
    const t = command.target;
    switch (t.kind) {
      case 'jti':
        return {
          count: 1,
          changes: [await this.appendChange(em, 'jti', t.jti, 0, t.expiresAt, command.at)],
        };
      case 'session':
        return this.revokeSessions(em, command, [t.sessionId]);
      case 'ip': {
        const rows = await em.getRepository(RevocationSessionEntity).find({
          select: { id: true },
          where: [
            { ip: t.ip, expiresAt: MoreThan(command.at) },
            { lastIp: t.ip, expiresAt: MoreThan(command.at) },
          ],
        });
        return this.revokeSessions(em, command, [...new Set(rows.map((r) => r.id))], true);
      }
      case 'user': {
        const count = await this.countActive(em, command.at, t.subject);
        const version = await this.bumpVersion(em, 'user', t.subject, command.at);
        return {
          count,
          changes: [await this.appendChange(em, 'user', t.subject, version, 0, command.at)],
        };
      }
      case 'global': {
        const count = await this.countActive(em, command.at);
        const version = await this.bumpVersion(em, 'global', '*', command.at);
        return {
          count,
          changes: [await this.appendChange(em, 'global', '*', version, 0, command.at)],
        };
      }
    }
  }

  private async revokeSessions(
    em: EntityManager,
    command: RevocationCommand,
    ids: string[],
    activeOnly = false,
  ): Promise<RevocationOutcome> {
    const repo = em.getRepository(RevocationSessionEntity);
    let count = 0;
    const changes: RevocationChange[] = [];
    for (const id of ids) {
      const row = await repo.findOneBy({ id });
      const session = row ? toSession(row) : null;
      const active =
        session !== null &&
        isSessionActive(session, await this.readVersions(em, session.subject), command.at);
      if (activeOnly && !active) continue;
      if (active) count++;
      if (session && session.revokedAt === null) {
        await repo.update(
          { id },
          { revokedAt: command.at, revokedReason: String(command.reason).slice(0, 64) },
        );
      }
      changes.push(
        await this.appendChange(
          em,
          'session',
          id,
          0,
          sessionDenyUntil(session, command),
          command.at,
        ),
      );
    }
    return { count, changes };
  }

  /** Counts with `COUNT(*)` (TypeORM's `getCount` counts distinct ids, which sorts them) over one index. */
  private async countActive(em: EntityManager, now: number, subject?: string): Promise<number> {
    const versions = await this.readVersions(em, subject ?? '*');
    const query = em
      .createQueryBuilder(RevocationSessionEntity, 's')
      .select('COUNT(*)', 'count')
      .where('s.revoked_at IS NULL AND s.expires_at > :now', { now })
      .andWhere('s.global_version >= :gv', { gv: versions.global });
    if (subject !== undefined) {
      query.andWhere('s.subject = :subject AND s.user_version >= :uv', {
        subject,
        uv: versions.user,
      });
    }
    const row = await query.getRawOne<{ count: string | number }>();
    return Number(row?.count ?? 0);
  }

  private async bumpVersion(
    em: EntityManager,
    scope: 'user' | 'global',
    subject: string,
    at: number,
  ): Promise<number> {
    const table = this.table('jwt_revocation_version');
    const type = em.connection.options.type;
    const [p1, p2, p3] = this.placeholders(3);
    // The revocation time only grows, whatever order concurrent revocations commit in.
    const increment =
      type === 'mysql' || type === 'mariadb'
        ? 'ON DUPLICATE KEY UPDATE version = version + 1, revoked_at = GREATEST(revoked_at, VALUES(revoked_at))'
        : `ON CONFLICT (scope, subject) DO UPDATE SET version = ${table}.version + 1,
            revoked_at = ${this.sqlite ? 'MAX' : 'GREATEST'}(${table}.revoked_at, excluded.revoked_at)`;
    await em.query(
      `INSERT INTO ${table} (scope, subject, version, revoked_at) VALUES (${p1}, ${p2}, 1, ${p3}) ${increment}`,
      [scope, subject, at],
    );
    const row = await em.getRepository(RevocationVersionEntity).findOneByOrFail({ scope, subject });
    return row.version;
  }

  private async readVersions(em: EntityManager, subject: string): Promise<Versions> {
    const rows = await em.getRepository(RevocationVersionEntity).find({
      where: [
        { scope: 'user', subject },
        { scope: 'global', subject: '*' },
      ],
    });
    return {
      user: rows.find((r) => r.scope === 'user')?.version ?? 0,
      global: rows.find((r) => r.scope === 'global')?.version ?? 0,
    };
  }

  private async appendChange(
    em: EntityManager,
    kind: RevocationChange['kind'],
    target: string,
    version: number,
    expiresAt: number,
    at: number,
  ): Promise<RevocationChange> {
    const result = await em.insert(RevocationChangeEntity, {
      kind,
      target,
      version,
      expiresAt,
      createdAt: at,
    });
    const seq = Number(result.identifiers[0]?.seq ?? result.raw?.insertId ?? result.raw);
    return withTime({ seq, kind, target, version, expiresAt }, at);
  }

  private table(name: string): string {
    return this.dataSource.driver.escape(name);
  }

  /** `$1, $2` on Postgres, `?, ?` elsewhere. */
  private placeholders(count: number): string[] {
    const postgres = this.dataSource.options.type === 'postgres';
    return Array.from({ length: count }, (_, i) => (postgres ? `$${i + 1}` : '?'));
  }

  /** SQLite has one connection: transactions from concurrent requests would interleave, so writes queue. */
  private write<T>(work: () => Promise<T>): Promise<T> {
    if (!this.sqlite) return work();
    const run = this.writeQueue.then(work, work);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }
}

/** `"<seq> <kind> <expiresAt> <target>"` rows into changes. */
function parseEntries(entries: string[]): RevocationChange[] {
  const changes = new Array<RevocationChange>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const a = entry.indexOf(' ');
    const b = entry.indexOf(' ', a + 1);
    const c = entry.indexOf(' ', b + 1);
    changes[i] = {
      seq: Number(entry.slice(0, a)),
      kind: entry.slice(a + 1, b) as RevocationChange['kind'],
      target: entry.slice(c + 1),
      version: 0,
      expiresAt: Number(entry.slice(b + 1, c)),
    };
  }
  return changes;
}

function toChange(row: RevocationChangeEntity): RevocationChange {
  return withTime(
    {
      seq: Number(row.seq),
      kind: row.kind as RevocationChange['kind'],
      target: row.target,
      version: row.version,
      expiresAt: row.expiresAt,
    },
    row.createdAt,
  );
}

function toSession(row: RevocationSessionEntity): SessionRecord {
  return { ...row, roles: JSON.parse(row.roles) as string[] };
}
