import type { MessageEvent } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Subject } from 'rxjs';
import { setup } from '../../test/setup';
import { ManualClock } from '../clock';
import { RevocationMetrics } from '../metrics/revocation.metrics';
import { RevocationCache } from '../revocation/revocation.cache';
import type { AccessTokenClaims } from '../tokens/token.claims';
import { LiveSocket, LiveSocketAuthenticator } from '../websockets/live-socket.authenticator';
import { LiveSocketGuard } from '../websockets/live-socket.guard';
import { LiveCloseReason, LiveConnectionRegistry } from './live-connection.registry';
import { endWithToken } from './live-sse.interceptor';

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

/** One turn of the event loop: a sweep chunk queued before it has run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('LiveConnectionRegistry', () => {
  let cache: RevocationCache;
  let clock: ManualClock;
  let registry: LiveConnectionRegistry;
  let closed: Map<string, LiveCloseReason>;

  const open = (name: string, over: Partial<AccessTokenClaims> = {}) =>
    registry.register(claims(over), (reason) => closed.set(name, reason));

  /** Runs the queued sweep, a chunk per fake turn (an immediate queued during a tick waits 1 ms). */
  const sweep = () => {
    for (let turns = 0; turns < 20; turns++) jest.advanceTimersByTime(1);
  };

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    cache = new RevocationCache(false);
    clock = new ManualClock(NOW);
    registry = new LiveConnectionRegistry(cache, clock);
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
    sweep();
    expect([...closed]).toEqual([['a', 'token_revoked']]);
    cache.apply(change('session', 's1'));
    sweep();
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
    sweep();
    expect([...closed]).toEqual([['old', 'token_revoked']]);
  });

  it('closes every connection below a new global version', () => {
    open('a', { sub: 'u1', jti: 'j1' });
    open('b', { sub: 'u2', jti: 'j2' });
    cache.apply(change('global', 'global', 2));
    sweep();
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
    sweep();
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
    sweep();
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
    sweep();
    expect([...closed]).toEqual([['b', 'token_revoked']]);
  });

  it('closes 10,000 connections of a revoked user in chunks, after the revocation call has returned', async () => {
    jest.useRealTimers();
    const TOTAL = 10_000;
    const closes = new Map<number, LiveCloseReason[]>();
    const connections = Array.from({ length: TOTAL }, (_, i) =>
      registry.register(claims({ jti: `j${i}`, sid: `s${i}` }), (reason) =>
        closes.set(i, [...(closes.get(i) ?? []), reason]),
      ),
    );
    const other = open('other', { sub: 'u2', jti: 'x', sid: 'x' });

    cache.apply(change('user', 'u1', 2));
    const closedByTheCall = closes.size;
    // Queued behind the first chunk: the loop serves other work between chunks.
    const closedAfterOneTurn = turn().then(() => closes.size);
    connections[TOTAL - 1].unregister(); // the client left while its close was pending
    expect(connections[TOTAL - 2].recheck()).toBe(false); // a message arrived meanwhile

    expect(closedByTheCall).toBe(0);
    expect(closes.get(TOTAL - 2)).toEqual(['token_revoked']);
    expect(await closedAfterOneTurn).toBeLessThanOrEqual(257);
    for (let turns = 0; registry.size > 1 && turns < 1000; turns++) await turn();

    expect(closes.size).toBe(TOTAL - 1);
    expect(closes.has(TOTAL - 1)).toBe(false);
    expect([...closes.values()].every((reasons) => reasons.length === 1)).toBe(true);
    expect(other.recheck()).toBe(true);
    expect(closed.size).toBe(0);
    expect(registry.size).toBe(1);
  });

  it('refuses an SSE message on a revoked token before the sweep reaches the stream', () => {
    for (let i = 0; i < 300; i++) open(`ws${i}`, { jti: `j${i}`, sid: `s${i}` });
    const source = new Subject<MessageEvent>();
    const received: MessageEvent[] = [];
    let completed = false;
    endWithToken(registry, claims({ jti: 'sse', sid: 'sse' }), source).subscribe({
      next: (message) => received.push(message),
      complete: () => (completed = true),
    });
    source.next({ data: 'before' });

    cache.apply(change('user', 'u1', 2));
    source.next({ data: 'secret' });

    expect(received).toEqual([
      { data: 'before' },
      { type: 'revoked', data: { reason: 'token_revoked' } },
    ]);
    expect(completed).toBe(true);
    expect(closed.size).toBe(0);
    sweep();
    expect(closed.size).toBe(300);
    expect(registry.size).toBe(0);
  });

  it('closes a connection whose token expired when a message finds it, before its timer fires', () => {
    const connection = open('a', { exp: NOW / 1000 + 10 });
    clock.advance(10_000);
    expect(connection.recheck()).toBe(false);
    expect([...closed]).toEqual([['a', 'token_expired']]);
    jest.advanceTimersByTime(10_000);
    expect(closed.size).toBe(1);
  });

  it('closes what is still queued at shutdown with its close code', () => {
    open('a');
    cache.apply(change('user', 'u1', 2));
    expect(closed.size).toBe(0);
    registry.onApplicationShutdown();
    expect([...closed]).toEqual([['a', 'token_revoked']]);
  });
});

describe('LiveSocketGuard while a revoked socket waits for its close', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  afterEach(() => ctx?.close());

  it('refuses its messages at once, and the socket is closed with 4401 token_revoked after the sweep', async () => {
    ctx = await setup();
    const registry = ctx.moduleRef.get(LiveConnectionRegistry);
    const authenticator = new LiveSocketAuthenticator(
      ctx.verifier,
      ctx.revocations,
      registry,
      ctx.moduleRef.get(RevocationMetrics),
      new Reflector(),
    );
    const guard = new LiveSocketGuard(new Reflector(), ctx.revocations);
    const others: string[] = [];
    for (let i = 0; i < 600; i++) {
      const pair = await ctx.sessions.issue('u1');
      registry.register(pair.claims, (reason) => others.push(reason));
    }
    const closes: Array<[number | undefined, string | undefined]> = [];
    const socket: LiveSocket = {
      close: (code, reason) => void closes.push([code, reason]),
      send: () => undefined,
      on: () => socket,
      once: () => socket,
    };
    const pair = await ctx.sessions.issue('u1');
    const request = { headers: { 'sec-websocket-protocol': `bearer.${pair.accessToken}` } };
    expect(authenticator.authenticate(socket, request)).toBeDefined();
    class Gateway {
      ping() {}
    }
    const message = new ExecutionContextHost([socket, {}], Gateway, Gateway.prototype.ping);
    message.setType('ws');
    expect(guard.canActivate(message)).toBe(true);

    await ctx.revocations.revokeUser('u1', { reason: 'admin' });
    expect(closes).toEqual([]);
    expect(others.length).toBeLessThan(600);
    expect(() => guard.canActivate(message)).toThrow('token_revoked');

    for (let turns = 0; registry.size > 0 && turns < 100; turns++) await turn();
    expect(closes).toEqual([[4401, 'token_revoked']]);
    expect(others).toHaveLength(600);
  });
});
