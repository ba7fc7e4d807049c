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
  RevocationTransaction,
  RevocationVersions,
  SessionRecord,
} from '../storage/revocation-store.interface';
import {
  auditTarget,
  withTime,
  isSessionActive,
  sessionDenyUntil,
  VERSION_CHANGE_RETENTION_MS,
  VERSION_KINDS,
} from '../storage/session-state';
import {
  RevocationAuditEntity,
  RevocationChangeEntity,
  RevocationSessionEntity,
  RevocationVersionEntity,
} from './revocation.entities';
import { copyChanges } from './postgres-copy.reader';
import { SqlDialect, sqlDialectOf } from './sql.dialect';
import { AfterCommitSubscriber } from './after-commit.subscriber';

const EXPIRING_KINDS = ['jti', 'session', 'session-open'];
type ExpiringKind = 'jti' | 'session' | 'session-open';
const SNAPSHOT_BATCH = 2_000;

/**
 * The durable store, on the `DataSource` you give it (SQLite, Postgres or MySQL/MariaDB).
 * Register `JWT_REVOCATION_ENTITIES` and `JWT_REVOCATION_MIGRATIONS` on that DataSource.
 */
export class TypeOrmRevocationStore implements RevocationStore {
  private readonly dialect: SqlDialect;
  private readonly commits: AfterCommitSubscriber;
  private writeQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly dataSource: DataSource) {
    this.dialect = sqlDialectOf(dataSource);
    this.commits = new AfterCommitSubscriber(dataSource);
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
    const of = (scope: RevocationVersionEntity['scope']) =>
      versions
        .filter((v) => v.scope === scope)
        .map((v): [string, number, number] => [v.subject, v.version, v.revokedAt]);
    return {
      cursor,
      changes: this.liveChanges(kinds, Math.floor(now)),
      userVersions: of('user'),
      claimsVersions: of('claims'),
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
    const aggregate = this.dialect.entriesAggregate;
    if (aggregate === null) {
      const select = `SELECT seq, kind, target, expires_at FROM ${table} WHERE ${live}`;
      return copyChanges(this.dataSource, select, SNAPSHOT_BATCH);
    }
    return this.pageChanges(table, live, aggregate);
  }

  private async *pageChanges(
    table: string,
    live: string,
    aggregate: string,
  ): AsyncGenerator<RevocationChange[]> {
    const query = `SELECT ${aggregate} AS entries FROM (SELECT seq, kind, target, expires_at
      FROM ${table} ${this.dialect.primaryKeyOrder} WHERE seq > ? AND ${live}
      ORDER BY seq LIMIT ${SNAPSHOT_BATCH}) page`;
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

  async versions(subject: string): Promise<RevocationVersions> {
    return this.readVersions(this.dataSource.manager, subject);
  }

  /**
   * With `transaction` (the `EntityManager` of a running transaction on this store's `DataSource`),
   * the revocation is written in it and commits or rolls back with the caller's own writes.
   */
  async revoke(
    command: RevocationCommand,
    transaction?: RevocationTransaction,
  ): Promise<RevocationOutcome> {
    if (transaction !== undefined) {
      return this.record(this.commits.manager(transaction), command);
    }
    return this.write(() => this.dataSource.transaction((em) => this.record(em, command)));
  }

  /** Runs `action` after the outermost commit of `transaction`; never when it (or the savepoint it was registered in) rolls back. */
  afterCommit(transaction: RevocationTransaction, action: () => Promise<void>): void {
    this.commits.afterCommit(this.commits.manager(transaction), action);
  }

  private async record(em: EntityManager, command: RevocationCommand): Promise<RevocationOutcome> {
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
          ...(r.claims
            ? { roles: JSON.stringify(r.claims.roles), claimsVersion: r.claims.version }
            : {}),
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
        kind: In([...VERSION_KINDS]),
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
      case 'jti': {
        // A retry of a revocation whose answer was lost ends nothing more.
        const known = await em.getRepository(RevocationChangeEntity).exists({
          where: { kind: 'jti', target: t.jti, expiresAt: MoreThan(command.at) },
        });
        return {
          count: known ? 0 : 1,
          changes: [await this.appendChange(em, 'jti', t.jti, 0, t.expiresAt, command.at)],
        };
      }
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
        const count = await this.countIfAsked(em, command, t.subject);
        const version = await this.bumpVersion(em, 'user', t.subject, command.at);
        return {
          count,
          changes: [await this.appendChange(em, 'user', t.subject, version, 0, command.at)],
        };
      }
      case 'global': {
        const count = await this.countIfAsked(em, command);
        const version = await this.bumpVersion(em, 'global', '*', command.at);
        return {
          count,
          changes: [await this.appendChange(em, 'global', '*', version, 0, command.at)],
        };
      }
      case 'claims': {
        const count = await this.countIfAsked(em, command, t.subject);
        const version = await this.bumpVersion(em, 'claims', t.subject, command.at);
        return {
          count,
          changes: [await this.appendChange(em, 'claims', t.subject, version, 0, command.at)],
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

  /** Null when the command asks for no count: that read grows with the user's sessions. */
  private countIfAsked(
    em: EntityManager,
    command: RevocationCommand,
    subject?: string,
  ): Promise<number | null> {
    if (command.count === false) return Promise.resolve(null);
    return this.countActive(em, command.at, subject);
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
    scope: RevocationVersionEntity['scope'],
    subject: string,
    at: number,
  ): Promise<number> {
    await em.query(this.dialect.raiseVersion(this.table('jwt_revocation_version')), [
      scope,
      subject,
      at,
    ]);
    const row = await em.getRepository(RevocationVersionEntity).findOneByOrFail({ scope, subject });
    return row.version;
  }

  private async readVersions(em: EntityManager, subject: string): Promise<RevocationVersions> {
    const rows = await em.getRepository(RevocationVersionEntity).find({
      where: [
        { scope: 'user', subject },
        { scope: 'claims', subject },
        { scope: 'global', subject: '*' },
      ],
    });
    const of = (scope: RevocationVersionEntity['scope']) =>
      rows.find((r) => r.scope === scope)?.version ?? 0;
    return { user: of('user'), global: of('global'), claims: of('claims') };
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

  /** Queues writes where the dialect needs it (SQLite's one connection). */
  private write<T>(work: () => Promise<T>): Promise<T> {
    if (!this.dialect.serialisesWrites) return work();
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
