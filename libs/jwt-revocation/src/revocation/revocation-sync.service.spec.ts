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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

  async function twoInstances(store: RevocationStore) {
    const a = await setup({ store, pollInterval: 0.02 });
    const b = await setup({ store, pollInterval: 0.02 });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    return { a, b };
  }

  async function sqliteStore() {
    const dir = mkdtempSync(join(tmpdir(), 'jwtrev-sync-'));
    const ds = await new DataSource({
      type: 'better-sqlite3',
      database: join(dir, 'db.sqlite'),
      entities: JWT_REVOCATION_ENTITIES,
      migrations: JWT_REVOCATION_MIGRATIONS,
      migrationsRun: true,
    }).initialize();
    cleanups.push(async () => {
      await ds.destroy();
      rmSync(dir, { recursive: true, force: true });
    });
    return new TypeOrmRevocationStore(ds);
  }

  it.each([
    ['memory', async () => new MemoryRevocationStore()],
    ['sqlite', sqliteStore],
  ])('enforces on instance B what instance A revoked (%s)', async (_name, makeStore) => {
    const { a, b } = await twoInstances(await makeStore());
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
  });

  it('loads every unexpired revocation when an instance starts', async () => {
    const store = new MemoryRevocationStore();
    const a = await setup({ store });
    cleanups.push(() => a.close());
    const pair = await a.sessions.issue('u1');
    await a.revocations.revokeToken('some-jti', { reason: 'compromised' });
    await a.revocations.revokeSession(pair.sessionId, { reason: 'logout' });
    await a.revocations.revokeAll({ reason: 'compromised' });

    const fresh = await setup({ store });
    cleanups.push(() => fresh.close());
    expect(fresh.sync.status()).toEqual(expect.objectContaining({ loaded: true, trusted: true }));
    expect(fresh.sync.status().size).toEqual(expect.objectContaining({ tokens: 1, sessions: 1 }));
    const claims = fresh.verifier.verifyAccessToken(pair.accessToken);
    expect(fresh.revocations.check(claims)).toBe('global');
  });
});
