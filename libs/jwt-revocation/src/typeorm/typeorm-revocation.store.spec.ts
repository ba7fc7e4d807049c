import {
  createTestDatabase,
  testDatabaseKinds,
  openRevocationDataSource,
} from '../../../../test/support/databases';
import {
  revocationStoreContract,
  sessionFixture,
  snapshotChanges,
} from '../testing/revocation-store.contract';
import type { DataSource } from 'typeorm';
import { copyChanges } from './postgres-copy.reader';
import { RevocationChangeEntity } from './revocation.entities';
import { TypeOrmRevocationStore } from './typeorm-revocation.store';
import { JWT_REVOCATION_MIGRATIONS } from './migrations';

describe.each(testDatabaseKinds())('TypeOrmRevocationStore on %s', (kind) => {
  const postgresOnly = kind === 'postgres' ? it : it.skip;

  describe('contract', () => {
    revocationStoreContract(
      async () => {
        const db = await createTestDatabase(kind);
        const ds = await openRevocationDataSource(db);
        return {
          store: new TypeOrmRevocationStore(ds),
          transaction: (work) => ds.transaction((em) => work(em)),
          teardown: async () => {
            await ds.destroy();
            await db.drop();
          },
        };
      },
      { transactions: true },
    );
  });

  it('keeps revocations across a restart (a new connection sees them)', async () => {
    const db = await createTestDatabase(kind);
    try {
      const first = await openRevocationDataSource(db);
      const store = new TypeOrmRevocationStore(first);
      const now = Date.now();
      const session = sessionFixture({
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now + 3_600_000,
      });
      await store.createSession(session);
      await store.revoke({
        target: { kind: 'session', sessionId: session.id },
        reason: 'logout',
        at: now,
        tokenLifetimeMs: 1000,
        sessionLifetimeMs: 1000,
      });
      await store.revoke({
        target: { kind: 'user', subject: 'someone' },
        reason: 'password_change',
        at: now,
        tokenLifetimeMs: 1000,
        sessionLifetimeMs: 1000,
      });
      await first.destroy();

      const second = await openRevocationDataSource(db);
      const snapshot = await new TypeOrmRevocationStore(second).loadSnapshot(now);
      expect(
        (await snapshotChanges(snapshot)).filter((c) => c.kind === 'session').map((c) => c.target),
      ).toEqual([session.id]);
      expect(snapshot.userVersions).toEqual([['someone', 1, now]]);
      await second.destroy();
    } finally {
      await db.drop();
    }
  });

  it('reads a snapshot of many batches, skipping expired rows, and lets go of it when abandoned', async () => {
    // Multi-byte characters throughout, so that stream chunks end inside some of them.
    const targetOf = (n: number) => `${'ü'.repeat(12)} ${n}`;
    const db = await createTestDatabase(kind);
    try {
      const ds = await openRevocationDataSource(db);
      const now = Date.now();
      const total = 120_003;
      for (let from = 0; from < total; from += 5000) {
        const rows = Array.from({ length: Math.min(5000, total - from) }, (_, i) => {
          const n = from + i;
          return {
            kind: n % 3 === 2 ? 'session' : 'jti',
            target: targetOf(n),
            version: 0,
            expiresAt: n % 10 === 0 ? now - 1 : now + 60_000 + n,
            createdAt: now,
          };
        });
        await ds
          .createQueryBuilder()
          .insert()
          .into(RevocationChangeEntity)
          .values(rows)
          .updateEntity(false)
          .execute();
      }
      const snapshot = await new TypeOrmRevocationStore(ds).loadSnapshot(now, {
        openSessions: false,
      });
      const live = Array.from({ length: total }, (_, n) => n).filter((n) => n % 10 !== 0);
      const changes = await snapshotChanges(snapshot);
      expect(changes).toHaveLength(live.length);
      const byTarget = new Map(changes.map((c) => [c.target, c]));
      for (const n of live) {
        expect(byTarget.get(targetOf(n))).toEqual({
          seq: expect.any(Number),
          kind: n % 3 === 2 ? 'session' : 'jti',
          target: targetOf(n),
          version: 0,
          expiresAt: now + 60_000 + n,
        });
      }

      await ds.destroy();

      // One connection: a snapshot that kept it once abandoned would leave the next one waiting.
      const single = await openRevocationDataSource(db, { poolSize: 1 });
      const store = new TypeOrmRevocationStore(single);
      for (let i = 0; i < 3; i++) {
        const abandoned = (await store.loadSnapshot(now)).changes[Symbol.asyncIterator]();
        expect((await abandoned.next()).done).toBe(false);
        await abandoned.return?.();
      }
      expect(await snapshotChanges(await store.loadSnapshot(now))).toHaveLength(live.length);
      await single.destroy();
    } finally {
      await db.drop();
    }
  });

  const pagedDatabase = kind === 'postgres' ? it.skip : it;
  pagedDatabase(
    'reads each snapshot page along the primary key, never sorting the live rows per page',
    async () => {
      const db = await createTestDatabase(kind);
      try {
        const ds = await openRevocationDataSource(db);
        const now = Date.now();
        const rows = Array.from({ length: 3000 }, (_, n) => ({
          kind: n % 2 ? 'session' : 'jti',
          target: `t-${n}`,
          version: 0,
          expiresAt: now + 60_000,
          createdAt: now,
        }));
        for (let from = 0; from < rows.length; from += 250) {
          const values = rows.slice(from, from + 250);
          await ds
            .createQueryBuilder()
            .insert()
            .into(RevocationChangeEntity)
            .values(values)
            .execute();
        }
        const pages: string[] = [];
        const query = ds.query.bind(ds);
        ds.query = ((...args: Parameters<DataSource['query']>) => {
          if (args[0].includes('ORDER BY seq LIMIT')) pages.push(args[0]);
          return query(...args);
        }) as typeof ds.query;
        expect(
          await snapshotChanges(await new TypeOrmRevocationStore(ds).loadSnapshot(now)),
        ).toHaveLength(3000);
        ds.query = query;
        expect(pages.length).toBeGreaterThan(0);
        const plan: Record<string, unknown>[] = await ds.query(
          `${kind === 'sqlite' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${pages[0]}`,
          [0],
        );
        // SQLite: one rowid range search; MySQL/MariaDB: the page's own row reads the primary key.
        const detail = JSON.stringify(plan);
        expect(detail).not.toMatch(/TEMP B-TREE|filesort/i);
        if (kind === 'sqlite') expect(detail).toMatch(/USING INTEGER PRIMARY KEY \(rowid>\?\)/);
        else
          expect(plan.find((row) => row.table === 'jwt_revocation_change')).toMatchObject({
            key: 'PRIMARY',
          });
        await ds.destroy();
      } finally {
        await db.drop();
      }
    },
  );

  postgresOnly(
    'fails a snapshot whose connection is cut mid-stream, without crashing, and reads the next one whole',
    async () => {
      const db = await createTestDatabase(kind);
      try {
        const ds = await openRevocationDataSource(db, { poolSize: 1 });
        const now = Date.now();
        await seedLiveJtis(ds, 300_000, now);
        const store = new TypeOrmRevocationStore(ds);
        const cut = (await store.loadSnapshot(now)).changes[Symbol.asyncIterator]();
        expect((await cut.next()).done).toBe(false);
        const admin = await openRevocationDataSource(db);
        const [{ terminated }] = await admin.query(
          `SELECT count(pg_terminate_backend(pid))::int AS terminated FROM pg_stat_activity
           WHERE datname = current_database() AND query LIKE 'COPY%' AND pid <> pg_backend_pid()`,
        );
        await admin.destroy();
        expect(terminated).toBe(1);
        await expect(
          (async () => {
            for (let step = await cut.next(); !step.done; step = await cut.next());
          })(),
        ).rejects.toThrow();
        expect(await snapshotChanges(await store.loadSnapshot(now))).toHaveLength(300_000);
        await ds.destroy();
      } finally {
        await db.drop();
      }
    },
  );

  postgresOnly(
    "bounds each wait for data by the pool's query_timeout, not the whole snapshot",
    async () => {
      const db = await createTestDatabase(kind);
      try {
        const now = Date.now();
        const seeding = await openRevocationDataSource(db);
        await seedLiveJtis(seeding, 200_000, now);
        await seeding.destroy();
        const ds = await openRevocationDataSource(db, { extra: { query_timeout: 300 } });
        // A consumer slower than the timeout in all: about 100 batches at 5 ms each.
        let read = 0;
        for await (const batch of (await new TypeOrmRevocationStore(ds).loadSnapshot(now))
          .changes) {
          read += batch.length;
          await new Promise((r) => setTimeout(r, 5));
        }
        expect(read).toBe(200_000);
        // Nothing of the COPY may fire later (pg's own timer for it used to, and crashed).
        await new Promise((r) => setTimeout(r, 400));

        const stalled = copyChanges(
          ds,
          `SELECT 1::bigint, 'jti', 'late', 1::bigint FROM pg_sleep(1)`,
          10,
        );
        await expect(stalled.next()).rejects.toThrow(/COPY read timeout/);
        expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
        await ds.destroy();
      } finally {
        await db.drop();
      }
    },
  );

  postgresOnly(
    'lifts a statement_timeout meant for requests for the snapshot COPY, and restores it after',
    async () => {
      const db = await createTestDatabase(kind);
      try {
        const ds = await openRevocationDataSource(db, {
          poolSize: 1,
          extra: { statement_timeout: 300, query_timeout: 2000 },
        });
        // About 600 ms in all, each row within 100 ms.
        const slow = copyChanges(
          ds,
          `SELECT g::bigint, 'jti', 't' || g, 1::bigint FROM generate_series(1, 6) g, LATERAL pg_sleep(0.1 + 0 * g)`,
          10,
        );
        const batches: number[] = [];
        for await (const batch of slow) batches.push(batch.length);
        expect(batches).toEqual([6]);
        expect(await ds.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '300ms' }]);
        await expect(ds.query('SELECT pg_sleep(0.5)')).rejects.toThrow(/statement timeout/);
        await ds.destroy();
      } finally {
        await db.drop();
      }
    },
  );

  it('drops what a rolled-back savepoint revoked, and announces the rest after the outer commit', async () => {
    const db = await createTestDatabase(kind);
    try {
      const ds = await openRevocationDataSource(db);
      const store = new TypeOrmRevocationStore(ds);
      const command = (subject: string) => ({
        target: { kind: 'user' as const, subject },
        reason: 'admin',
        at: Date.now(),
        tokenLifetimeMs: 1000,
        sessionLifetimeMs: 1000,
      });
      const ran: string[] = [];
      await ds.transaction(async (outer) => {
        await store.revoke(command('kept'), outer);
        store.afterCommit(outer, async () => void ran.push('kept'));
        await outer
          .transaction(async (inner) => {
            await store.revoke(command('dropped'), inner);
            store.afterCommit(inner, async () => void ran.push('dropped'));
            throw new Error('inner step failed');
          })
          .catch(() => undefined);
        expect(ran).toEqual([]);
      });
      expect(ran).toEqual(['kept']);
      expect((await store.changesSince(0, 10)).map((c) => c.target)).toEqual(['kept']);
      await ds.destroy();
    } finally {
      await db.drop();
    }
  });

  it('refuses a DataSource it was not written for', () => {
    const ds = { options: { type: 'mssql' } } as unknown as DataSource;
    expect(() => new TypeOrmRevocationStore(ds)).toThrow(/SQLite, Postgres and MySQL\/MariaDB/);
  });

  it('runs its migrations once, and refuses to revert the one that would drop revocations', async () => {
    const db = await createTestDatabase(kind);
    try {
      const ds = await openRevocationDataSource(db);
      const at = Date.now();
      await new TypeOrmRevocationStore(ds).revoke({
        target: { kind: 'user', subject: 'kept' },
        reason: 'admin',
        at,
        tokenLifetimeMs: 1000,
        sessionLifetimeMs: 1000,
      });
      expect(await ds.showMigrations()).toBe(false);
      expect(await ds.runMigrations()).toEqual([]);
      for (let undone = 0; undone < JWT_REVOCATION_MIGRATIONS.length - 1; undone++) {
        await ds.undoLastMigration();
      }
      expect(await ds.showMigrations()).toBe(true);
      await expect(ds.undoLastMigration()).rejects.toThrow(/would drop every revocation/);
      expect((await ds.runMigrations()).map((m) => m.name)).toEqual([
        'IndexLiveSessionsBySubject1764600000000',
        'RecordWholesaleRevocationTime1764900000000',
        'RecordClaimsVersions1765000000000',
        'CreateJwtRevocationSignals1765100000000',
        'AllowUncountedAudit1765200000000',
      ]);
      const store = new TypeOrmRevocationStore(ds);
      expect(await store.versions('kept')).toEqual({ user: 1, global: 0, claims: 0 });
      // The time of the revocation, read back from the change log by the migration.
      expect((await store.loadSnapshot(at)).userVersions).toEqual([['kept', 1, at]]);
      await ds.destroy();
    } finally {
      await db.drop();
    }
  });
});

/** `count` revoked jtis, live for a minute after `now`, inserted by one statement (Postgres). */
async function seedLiveJtis(ds: DataSource, count: number, now: number): Promise<void> {
  await ds.query(
    `INSERT INTO jwt_revocation_change (kind, target, version, expires_at, created_at)
     SELECT 'jti', 'jti-' || i, 0, $1, $2 FROM generate_series(1, $3::int) i`,
    [now + 60_000, now, count],
  );
}
