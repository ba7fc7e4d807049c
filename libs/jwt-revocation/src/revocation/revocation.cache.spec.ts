import type { RevocationChange } from '../storage/revocation-store.interface';
import type { BaseTokenClaims } from '../tokens/token.claims';
import { RevocationCache } from './revocation.cache';

const claims = (over: Partial<BaseTokenClaims> = {}): BaseTokenClaims => ({
  sub: 'u1',
  jti: 'j1',
  sid: 's1',
  iat: 0,
  exp: 10,
  uv: 0,
  gv: 0,
  ...over,
});

describe('RevocationCache', () => {
  it('checks global, user, session and token revocations in memory', async () => {
    const cache = new RevocationCache(false);
    await cache.load({
      changes: batches(),
      userVersions: [['u2', 3, 0]],
      globalVersion: 1,
      globalRevokedAt: 0,
      cursor: 0,
    });
    expect(cache.check(claims({ gv: 0 }), 0)).toBe('global');
    expect(cache.check(claims({ gv: 1 }), 0)).toBeUndefined();
    expect(cache.check(claims({ gv: 1, sub: 'u2', uv: 2 }), 0)).toBe('user');
    expect(cache.check(claims({ gv: 1, sub: 'u2', uv: 3 }), 0)).toBeUndefined();
    cache.apply({ seq: 1, kind: 'session', target: 's1', version: 0, expiresAt: 5000 });
    cache.apply({ seq: 2, kind: 'jti', target: 'j9', version: 0, expiresAt: 5000 });
    expect(cache.check(claims({ gv: 1 }), 0)).toBe('session');
    expect(cache.check(claims({ gv: 1, sid: 's2', jti: 'j9' }), 0)).toBe('token');
    cache.apply({ seq: 3, kind: 'user', target: 'u2', version: 2, expiresAt: 0 });
    expect(cache.userVersion('u2')).toBe(3);
  });

  it('revokes tokens without versions by the time of the latest user-wide or global revocation', async () => {
    const cache = new RevocationCache(false);
    await cache.load({
      changes: batches(),
      userVersions: [['u1', 1, 10_500]],
      globalVersion: 0,
      globalRevokedAt: 0,
      cursor: 0,
    });
    const legacy = (sub: string, iat?: number) => ({ sub, ...(iat === undefined ? {} : { iat }) });
    expect(cache.check(legacy('u1', 9), 0)).toBe('user');
    // Same second as the revocation (10.5 s): revoked, conservatively.
    expect(cache.check(legacy('u1', 10), 0)).toBe('user');
    expect(cache.check(legacy('u1', 11), 0)).toBeUndefined();
    expect(cache.check(legacy('u1'), 0)).toBe('user');
    expect(cache.check(legacy('u2', 1), 0)).toBeUndefined();
    expect(cache.check(legacy('u2'), 0)).toBeUndefined();
    // Stamped tokens keep being judged by their versions alone.
    expect(cache.check(claims({ iat: 1, uv: 1 }), 0)).toBeUndefined();

    cache.apply({ seq: 1, kind: 'user', target: 'u1', version: 2, expiresAt: 0, at: 30_000 });
    cache.apply({ seq: 0, kind: 'user', target: 'u1', version: 1, expiresAt: 0, at: 10_500 });
    expect(cache.check(legacy('u1', 30), 0)).toBe('user');
    expect(cache.check(legacy('u1', 31), 0)).toBeUndefined();
    cache.apply({ seq: 2, kind: 'global', target: '*', version: 1, expiresAt: 0, at: 40_000 });
    expect(cache.check(legacy('u2', 40), 0)).toBe('global');
    expect(cache.check(legacy('u2', 41), 0)).toBeUndefined();
    expect(cache.check(claims({ iat: 41, gv: 0 }), 0)).toBe('global');
    cache.apply({ seq: 3, kind: 'jti', target: 'legacy-jti', version: 0, expiresAt: 60_000 });
    expect(cache.check({ sub: 'u3', iat: 50, jti: 'legacy-jti' }, 0)).toBe('token');
  });

  it('never forgets an entry before its expiry, rounding up to the second', () => {
    const cache = new RevocationCache(false);
    cache.apply({ seq: 1, kind: 'jti', target: 'j1', version: 0, expiresAt: 1500 });
    expect(cache.purge(1999)).toBe(0);
    expect(cache.check(claims(), 0)).toBe('token');
    expect(cache.purge(2000)).toBe(1);
    expect(cache.check(claims(), 0)).toBeUndefined();
  });

  it('in allowlist mode accepts only known sessions until they end', async () => {
    const cache = new RevocationCache(true);
    await cache.load({
      changes: batches([
        { seq: 1, kind: 'session-open', target: 's1', version: 0, expiresAt: 10_000 },
      ]),
      userVersions: [],
      globalVersion: 0,
      globalRevokedAt: 0,
      cursor: 1,
    });
    expect(cache.check(claims(), 9_999)).toBeUndefined();
    expect(cache.check(claims(), 10_000)).toBe('session-unknown');
    expect(cache.check(claims({ sid: 'other' }), 0)).toBe('session-unknown');
    cache.apply({ seq: 2, kind: 'session', target: 's1', version: 0, expiresAt: 20_000 });
    expect(cache.check(claims(), 0)).toBe('session');
  });

  it('builds a new snapshot aside and swaps it in whole, so checks never see half a load', async () => {
    const cache = new RevocationCache(false);
    await cache.load({
      changes: batches([{ seq: 1, kind: 'jti', target: 'old', version: 0, expiresAt: 10_000 }]),
      userVersions: [],
      globalVersion: 0,
      globalRevokedAt: 0,
      cursor: 1,
    });
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    async function* slowBatches(): AsyncGenerator<RevocationChange[]> {
      yield [{ seq: 2, kind: 'jti', target: 'new-1', version: 0, expiresAt: 10_000 }];
      await paused;
      yield [{ seq: 3, kind: 'jti', target: 'new-2', version: 0, expiresAt: 10_000 }];
    }
    const loading = cache.load({
      changes: slowBatches(),
      userVersions: [],
      globalVersion: 0,
      globalRevokedAt: 0,
      cursor: 2,
    });
    await new Promise((r) => setImmediate(r));
    expect(cache.check(claims({ jti: 'old' }), 0)).toBe('token');
    expect(cache.check(claims({ jti: 'new-1' }), 0)).toBeUndefined();
    release();
    await loading;
    expect(cache.check(claims({ jti: 'old' }), 0)).toBeUndefined();
    expect(cache.check(claims({ jti: 'new-1' }), 0)).toBe('token');
    expect(cache.check(claims({ jti: 'new-2' }), 0)).toBe('token');
    expect(cache.size.tokens).toBe(2);
  });
});

async function* batches(...list: RevocationChange[][]): AsyncGenerator<RevocationChange[]> {
  for (const batch of list) yield batch;
}
