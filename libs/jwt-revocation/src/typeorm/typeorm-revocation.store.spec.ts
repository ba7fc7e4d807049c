import {
  createTestDatabase,
  testDatabaseKinds,
  openRevocationDataSource,
} from '../../../../test/support/databases';
import {
  revocationStoreContract,
  sessionFixture,
  snapshotChanges,
} from '../storage/revocation-store.contract';
import { RevocationChangeEntity } from './revocation.entities';
import { TypeOrmRevocationStore } from './typeorm-revocation.store';

describe.each(testDatabaseKinds())('TypeOrmRevocationStore on %s', (kind) => {
  describe('contract', () => {
    revocationStoreContract(async () => {
      const db = await createTestDatabase(kind);
      const ds = await openRevocationDataSource(db);
      return {
        store: new TypeOrmRevocationStore(ds),
        teardown: async () => {
          await ds.destroy();
          await db.drop();
        },
      };
    });
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
      expect(snapshot.userVersions).toEqual([['someone', 1]]);
      await second.destroy();
    } finally {
      await db.drop();
    }
  });

  it('reads a snapshot of many batches, skipping expired rows, and lets go of it when abandoned', async () => {
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
            target: `t ${n}`,
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
        expect(byTarget.get(`t ${n}`)).toEqual({
          seq: expect.any(Number),
          kind: n % 3 === 2 ? 'session' : 'jti',
          target: `t ${n}`,
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

  it('runs its migrations once, and refuses to revert the one that would drop revocations', async () => {
    const db = await createTestDatabase(kind);
    try {
      const ds = await openRevocationDataSource(db);
      await new TypeOrmRevocationStore(ds).revoke({
        target: { kind: 'user', subject: 'kept' },
        reason: 'admin',
        at: Date.now(),
        tokenLifetimeMs: 1000,
        sessionLifetimeMs: 1000,
      });
      expect(await ds.showMigrations()).toBe(false);
      expect(await ds.runMigrations()).toEqual([]);
      await ds.undoLastMigration();
      expect(await ds.showMigrations()).toBe(true);
      await expect(ds.undoLastMigration()).rejects.toThrow(/would drop every revocation/);
      expect((await ds.runMigrations()).map((m) => m.name)).toEqual([
        'IndexLiveSessionsBySubject1764600000000',
      ]);
      expect(await new TypeOrmRevocationStore(ds).versions('kept')).toEqual({ user: 1, global: 0 });
      await ds.destroy();
    } finally {
      await db.drop();
    }
  });
});
