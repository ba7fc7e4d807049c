import { until } from '../../../../test/support/until';
import { setup } from '../../test/setup';
import { TokenRevokedException } from '../jwt-revocation.exceptions';
import { MemoryRevocationStore } from '../storage/memory-revocation.store';
import type { RevocationStore } from '../storage/revocation-store.interface';
import { TypeOrmRevocationStore } from '../typeorm';
import {
  createTestDatabase,
  DatabaseKind,
  testDatabaseKinds,
  openRevocationDataSource,
} from '../../../../test/support/databases';

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
      const ds = await openRevocationDataSource(db);
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
      await until(() => b.revocations.check(claims) === 'session', 3000);

      const other = await b.sessions.issue('u2');
      const otherClaims = a.verifier.verifyAccessToken(other.accessToken);
      await b.revocations.revokeUser('u2', { reason: 'role_change' });
      await until(() => a.revocations.check(otherClaims) === 'user', 3000);
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

  it.each(stores)(
    'loads open sessions at startup in allowlist mode, and skips reading them in denylist mode (%s)',
    async (_name, makeStores) => {
      const open = await makeStores();
      const a = await setup({ store: await open(), mode: 'allowlist' });
      cleanups.push(() => a.close());
      const pair = await a.sessions.issue('early-user');
      const revoked = await a.sessions.issue('early-user');
      await a.revocations.revokeSession(revoked.sessionId, { reason: 'logout' });

      const allowlist = await setup({ store: await open(), mode: 'allowlist' });
      cleanups.push(() => allowlist.close());
      const claims = allowlist.verifier.verifyAccessToken(pair.accessToken);
      expect(allowlist.revocations.check(claims)).toBeUndefined();
      expect(allowlist.revocations.check({ ...claims, sid: 'never-opened' })).toBe(
        'session-unknown',
      );

      const store = await open();
      const load = jest.spyOn(store, 'loadSnapshot');
      const denylist = await setup({ store });
      cleanups.push(() => denylist.close());
      expect(load).toHaveBeenCalledWith(expect.any(Number), { openSessions: false });
      expect(denylist.revocations.check(claims)).toBeUndefined();
      const revokedClaims = denylist.verifier.verifyAccessToken(revoked.accessToken);
      expect(denylist.revocations.check(revokedClaims)).toBe('session');
      expect(denylist.sync.status().size.sessions).toBe(1);
    },
  );
});
