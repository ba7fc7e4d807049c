import { ManualClock } from '../clock';
import { RevocationCache } from '../revocation/revocation.cache';
import type { AccessTokenClaims } from '../tokens/token.claims';
import { LiveCloseReason, LiveConnectionRegistry } from './live-connection.registry';

const NOW = 1_800_000_000_000;

const claims = (over: Partial<AccessTokenClaims> = {}): AccessTokenClaims => ({
  sub: 'u1',
  jti: 'j1',
  sid: 's1',
  iat: NOW / 1000,
  exp: NOW / 1000 + 60,
  uv: 1,
  gv: 1,
  roles: ['user'],
  ...over,
});

const change = (kind: 'jti' | 'session' | 'user' | 'global', target: string, version = 0) => ({
  seq: 1,
  kind,
  target,
  version,
  expiresAt: NOW + 60_000,
});

describe('LiveConnectionRegistry', () => {
  let cache: RevocationCache;
  let registry: LiveConnectionRegistry;
  let closed: Map<string, LiveCloseReason>;

  const open = (name: string, over: Partial<AccessTokenClaims> = {}) =>
    registry.register(claims(over), (reason) => closed.set(name, reason));

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    cache = new RevocationCache(false);
    registry = new LiveConnectionRegistry(cache, new ManualClock(NOW));
    closed = new Map();
  });
  afterEach(() => {
    registry.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('closes the connections of a revoked token or session, and only those', () => {
    open('a', { jti: 'j1', sid: 's1' });
    open('b', { jti: 'j2', sid: 's1' });
    open('c', { jti: 'j3', sid: 's2' });
    cache.apply(change('jti', 'j1'));
    expect([...closed]).toEqual([['a', 'token_revoked']]);
    cache.apply(change('session', 's1'));
    expect([...closed]).toEqual([
      ['a', 'token_revoked'],
      ['b', 'token_revoked'],
    ]);
    expect(registry.size).toBe(1);
  });

  it('closes a user’s connections whose token predates the new user version', () => {
    open('old', { sub: 'u1', jti: 'j1', uv: 1 });
    open('new', { sub: 'u1', jti: 'j2', uv: 2 });
    open('other', { sub: 'u2', jti: 'j3', uv: 1 });
    cache.apply(change('user', 'u1', 2));
    expect([...closed]).toEqual([['old', 'token_revoked']]);
  });

  it('closes every connection below a new global version', () => {
    open('a', { sub: 'u1', jti: 'j1' });
    open('b', { sub: 'u2', jti: 'j2' });
    cache.apply(change('global', 'global', 2));
    expect([...closed.keys()].sort()).toEqual(['a', 'b']);
    expect(registry.size).toBe(0);
  });

  it('sweeps every connection after a snapshot reload', async () => {
    open('a', { sid: 's1' });
    open('b', { sid: 's2', jti: 'j2' });
    await cache.load({
      changes: (async function* () {
        yield [change('session', 's2')];
      })(),
      userVersions: [],
      globalVersion: 0,
      globalRevokedAt: 0,
      cursor: 1,
    });
    expect([...closed]).toEqual([['b', 'token_revoked']]);
  });

  it('closes a connection when its token expires, unless renewed with a later token', () => {
    open('expires', { jti: 'j1', exp: NOW / 1000 + 10 });
    const renewed = open('renewed', { jti: 'j2', exp: NOW / 1000 + 10 });
    expect(renewed.renew(claims({ jti: 'j3', exp: NOW / 1000 + 30 }))).toBe(true);
    jest.advanceTimersByTime(10_000);
    expect([...closed]).toEqual([['expires', 'token_expired']]);
    // Renewed: the old jti no longer reaches it, the new one does.
    cache.apply(change('jti', 'j2'));
    expect(closed.has('renewed')).toBe(false);
    jest.advanceTimersByTime(20_000);
    expect(closed.get('renewed')).toBe('token_expired');
  });

  it('refuses to renew with another subject’s token', () => {
    const connection = open('a');
    expect(connection.renew(claims({ sub: 'u2' }))).toBe(false);
    expect(connection.claims.sub).toBe('u1');
  });

  it('forgets unregistered connections and keeps no empty index entries', () => {
    const a = open('a');
    a.unregister();
    a.unregister();
    cache.apply(change('jti', 'j1'));
    jest.advanceTimersByTime(120_000);
    expect(closed.size).toBe(0);
    expect(registry.size).toBe(0);
    expect(registry['byToken'].size + registry['bySession'].size + registry['bySubject'].size).toBe(
      0,
    );
  });

  it('closes each connection once, and goes on when a close callback throws', () => {
    registry.register(claims({ sub: 'u1' }), () => {
      throw new Error('socket gone');
    });
    open('b', { sub: 'u2', jti: 'j2' });
    cache.apply(change('global', 'global', 2));
    cache.apply(change('global', 'global', 3));
    expect([...closed]).toEqual([['b', 'token_revoked']]);
  });
});
