import {
  createTestDatabase,
  testDatabaseKinds,
  openRevocationDataSource,
} from '../../../../test/support/databases';
import { revocationStoreContract, sessionFixture } from '../storage/revocation-store.contract';
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
      expect(snapshot.changes.filter((c) => c.kind === 'session').map((c) => c.target)).toEqual([
        session.id,
      ]);
      expect(snapshot.userVersions).toEqual([['someone', 1]]);
      await second.destroy();
    } finally {
      await db.drop();
    }
  });

  it('runs its migration once, and refuses to revert it (that would drop revocations)', async () => {
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
      await expect(ds.undoLastMigration()).rejects.toThrow(/would drop every revocation/);
      expect(await new TypeOrmRevocationStore(ds).versions('kept')).toEqual({ user: 1, global: 0 });
      await ds.destroy();
    } finally {
      await db.drop();
    }
  });
});
