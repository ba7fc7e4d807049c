import { DataSource } from 'typeorm';
import { setup } from '../../test/setup';
import { TokenRevokedException } from '../jwt-revocation.exceptions';
import { MemoryRevocationStore } from '../storage/memory-revocation.store';
import type { RevocationStore } from '../storage/revocation-store.interface';
import {
  JWT_REVOCATION_ENTITIES,
  JWT_REVOCATION_MIGRATIONS,
  TypeOrmRevocationStore,
} from '../typeorm';
import {
  createTestDatabase,
  DatabaseKind,
  testDatabaseKinds,
} from '../../../../test/support/databases';

async function until(condition: () => boolean, timeoutMs = 3000) {
  const end = Date.now() + timeoutMs;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return condition();
}

describe('RevocationSync across instances', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Each call opens its own connection, as a separate process would. */
  async function databaseStores(kind: DatabaseKind) {
    const db = await createTestDatabase(kind);
    cleanups.push(() => db.drop());
    return async () => {
      const ds = await new DataSource({
        ...db.options,
        entities: JWT_REVOCATION_ENTITIES,
        migrations: JWT_REVOCATION_MIGRATIONS,
        migrationsRun: true,
      }).initialize();
      cleanups.push(() => ds.destroy());
      return new TypeOrmRevocationStore(ds);
    };
  }

  const stores: [string, () => Promise<() => Promise<RevocationStore>>][] = [
    [
      'memory',
      async () => {
        const store = new MemoryRevocationStore();
        return async () => store;
      },
    ],
    ...testDatabaseKinds().map((kind): [string, () => Promise<() => Promise<RevocationStore>>] => [
      kind,
      () => databaseStores(kind),
    ]),
  ];

  it.each(stores)(
    'enforces on instance B what instance A revoked (%s)',
    async (_name, makeStores) => {
      const open = await makeStores();
      const a = await setup({ store: await open(), pollInterval: 0.02 });
      cleanups.push(() => a.close());
      const b = await setup({ store: await open(), pollInterval: 0.02 });
      cleanups.push(() => b.close());
      const pair = await a.sessions.issue('u1');
      const claims = b.verifier.verifyAccessToken(pair.accessToken);
      expect(() => b.revocations.assertNotRevoked(claims)).not.toThrow();

      await a.revocations.revokeSession(pair.sessionId, { reason: 'logout' });
      expect(() => a.revocations.assertNotRevoked(claims)).toThrow(TokenRevokedException);
      expect(await until(() => b.revocations.check(claims) === 'session')).toBe(true);

      const other = await b.sessions.issue('u2');
      const otherClaims = a.verifier.verifyAccessToken(other.accessToken);
      await b.revocations.revokeUser('u2', { reason: 'role_change' });
      expect(await until(() => a.revocations.check(otherClaims) === 'user')).toBe(true);
    },
  );

  it.each(stores)(
    'loads every unexpired revocation when an instance (re)starts (%s)',
    async (_name, makeStores) => {
      const open = await makeStores();
      const a = await setup({ store: await open() });
      const pair = await a.sessions.issue('u1');
      const other = await a.sessions.issue('u2');
      await a.revocations.revokeToken('some-jti', { reason: 'compromised' });
      await a.revocations.revokeSession(pair.sessionId, { reason: 'logout' });
      await a.revocations.revokeUser('u2', { reason: 'account_deleted' });
      await a.close();

      const fresh = await setup({ store: await open() });
      cleanups.push(() => fresh.close());
      expect(fresh.sync.status()).toEqual(expect.objectContaining({ loaded: true, trusted: true }));
      expect(fresh.sync.status().size).toEqual(
        expect.objectContaining({ tokens: 1, sessions: 1, users: 1 }),
      );
      expect(fresh.revocations.check(fresh.verifier.verifyAccessToken(pair.accessToken))).toBe(
        'session',
      );
      expect(fresh.revocations.check(fresh.verifier.verifyAccessToken(other.accessToken))).toBe(
        'user',
      );
      await fresh.revocations.revokeAll({ reason: 'compromised' });
      const after = await setup({ store: await open() });
      cleanups.push(() => after.close());
      expect(after.revocations.check(after.verifier.verifyAccessToken(pair.accessToken))).toBe(
        'global',
      );
    },
  );

  it.each(stores)(
    'lets two instances refreshing one token at once produce at most one successor (%s)',
    async (_name, makeStores) => {
      const open = await makeStores();
      const a = await setup({ store: await open(), refreshReuseGrace: 0 });
      cleanups.push(() => a.close());
      const b = await setup({ store: await open(), refreshReuseGrace: 0 });
      cleanups.push(() => b.close());
      for (let round = 0; round < 5; round++) {
        const pair = await a.sessions.issue(`racer-${round}`);
        const results = await Promise.allSettled([
          a.sessions.refresh(pair.refreshToken),
          b.sessions.refresh(pair.refreshToken),
          a.sessions.refresh(pair.refreshToken),
          b.sessions.refresh(pair.refreshToken),
        ]);
        const successors = new Set(
          results.flatMap((r) =>
            r.status === 'fulfilled'
              ? [a.verifier.verifyRefreshToken(r.value.refreshToken).jti]
              : [],
          ),
        );
        expect(successors.size).toBeLessThanOrEqual(1);
      }
    },
  );
});
