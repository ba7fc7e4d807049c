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
      userVersions: [['u2', 3]],
      globalVersion: 1,
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
