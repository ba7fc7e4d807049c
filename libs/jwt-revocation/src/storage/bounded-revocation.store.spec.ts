import { AsyncLocalStorage } from 'node:async_hooks';
import { QueryFailedError } from 'typeorm';
import {
  RevocationUnavailableException,
  retryAfter,
  StoreUnavailableException,
} from '../jwt-revocation.exceptions';
import { BoundedRevocationStore, StoreLatency } from './bounded-revocation.store';
import { MemoryRevocationStore } from './memory-revocation.store';
import type {
  RevocationChange,
  RevocationCommand,
  RevocationOutcome,
  SessionRecord,
} from './revocation-store.interface';
import { storeFailureOf } from './store-errors';
import { setup } from '../../test/setup';

const T0 = 1_800_000_000_000;

/** An in-memory store whose answers take `delayMs` and whose calls can be made to fail. */
class SlowStore extends MemoryRevocationStore {
  delayMs = 0;
  failure?: unknown;
  committed = 0;

  override async revoke(command: RevocationCommand): Promise<RevocationOutcome> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure) throw this.failure;
    this.committed++;
    return super.revoke(command);
  }

  override async versions(subject: string): Promise<{ user: number; global: number }> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.versions(subject);
  }

  override async createSession(session: SessionRecord): Promise<RevocationChange> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.createSession(session);
  }

  override async ping(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure) throw this.failure;
  }
}

const logout: RevocationCommand = {
  target: { kind: 'session', sessionId: 's1' },
  reason: 'logout',
  at: T0,
  tokenLifetimeMs: 60_000,
  sessionLifetimeMs: 3_600_000,
};

describe('BoundedRevocationStore', () => {
  let inner: SlowStore;
  let latency: StoreLatency;
  let store: BoundedRevocationStore;

  beforeEach(() => {
    inner = new SlowStore();
    latency = new StoreLatency(50);
    store = new BoundedRevocationStore(inner, 100, latency);
  });

  it('answers within the deadline with a 503 that asks to retry, and never reports the late commit', async () => {
    inner.delayMs = 300;
    const started = Date.now();
    const error = await store.revoke(logout).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(250);
    expect(error).toBeInstanceOf(StoreUnavailableException);
    expect(error).toBeInstanceOf(RevocationUnavailableException);
    expect((error as StoreUnavailableException).failure).toBe('timeout');
    expect((error as StoreUnavailableException).getStatus()).toBe(503);
    expect(retryAfter(error)).toBe('1');
    expect((error as StoreUnavailableException).getResponse()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The revocation store did not answer in time; retry later',
      reason: 'store_unavailable',
    });
    // The abandoned call still lands: that is why the caller must treat the outcome as unknown.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inner.committed).toBe(1);
  });

  it('turns connection failures into StoreUnavailableException, keeping the driver error as cause only', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    inner.failure = refused;
    const error = await store.ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableException);
    expect((error as StoreUnavailableException).failure).toBe('unreachable');
    expect((error as StoreUnavailableException).cause).toBe(refused);
    expect(JSON.stringify((error as StoreUnavailableException).getResponse())).not.toContain(
      '5432',
    );
  });

  it('lets other errors through unchanged: a bug is not an outage', async () => {
    const bug = new TypeError('x is undefined');
    inner.failure = bug;
    await expect(store.revoke(logout)).rejects.toBe(bug);
  });

  it('reports degraded while a call runs past the threshold, and ok once calls are fast again', async () => {
    expect(latency.status().state).toBe('ok');
    inner.delayMs = 80;
    const pending = store.ping();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(latency.status()).toMatchObject({ state: 'degraded', thresholdMs: 50 });
    await pending;
    expect(latency.status().state).toBe('degraded');
    expect(latency.status().lastCallMs).toBeGreaterThanOrEqual(70);
    inner.delayMs = 0;
    await store.ping();
    expect(latency.status()).toMatchObject({ state: 'ok', oldestPendingMs: null });
  });
});

describe('storeFailureOf', () => {
  const coded = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  it.each([
    [new Error('timeout exceeded when trying to connect'), 'timeout'],
    [new Error('Query read timeout'), 'timeout'],
    [coded('57014', 'canceling statement due to statement timeout'), 'timeout'],
    [coded('PROTOCOL_SEQUENCE_TIMEOUT'), 'timeout'],
    [coded('ETIMEDOUT'), 'timeout'],
    [coded('SQLITE_BUSY'), 'timeout'],
    [coded('ECONNREFUSED'), 'unreachable'],
    [coded('ECONNRESET'), 'unreachable'],
    [coded('PROTOCOL_CONNECTION_LOST'), 'unreachable'],
    [new Error('Connection terminated unexpectedly'), 'unreachable'],
    [new QueryFailedError('SELECT 1', [], coded('57014')), 'timeout'],
    [new Error('wrapped', { cause: coded('ECONNRESET') }), 'unreachable'],
  ])('classifies %p as %s', (error, failure) => {
    expect(storeFailureOf(error)).toBe(failure);
  });

  it.each([
    [coded('23505', 'duplicate key value violates unique constraint')],
    [coded('ER_DUP_ENTRY')],
    [coded('constructor')],
    [new TypeError('x is undefined')],
    ['a string'],
    [null],
  ])('leaves %p alone', (error) => {
    expect(storeFailureOf(error)).toBeUndefined();
  });
});

describe('a revocation whose commit outcome is unknown', () => {
  it('is reported as a 503, leaves the cache alone until the commit is known, and is safe to retry', async () => {
    const inner = new SlowStore();
    const ctx = await setup({ store: inner, storeTimeout: 0.1 });
    try {
      const pair = await ctx.sessions.issue('u1');
      const claims = ctx.verifier.verifyAccessToken(pair.accessToken);
      inner.delayMs = 300;
      await expect(ctx.sessions.logout(pair.sessionId)).rejects.toBeInstanceOf(
        StoreUnavailableException,
      );
      expect(ctx.revocations.check(claims)).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(inner.committed).toBe(1);
      await ctx.sync.refresh();
      expect(ctx.revocations.check(claims)).toBe('session');

      inner.delayMs = 0;
      await expect(ctx.sessions.logout(pair.sessionId)).resolves.toEqual({ revoked: 0 });
      const audit = await ctx.revocations.audit({ target: pair.sessionId });
      expect(audit.map((e) => [e.reason, e.count])).toEqual([
        ['logout', 0],
        ['logout', 1],
      ]);
    } finally {
      await ctx.close();
    }
  });
});

describe('one deadline per operation', () => {
  it("bounds the sum of an operation's store calls, not each call alone", async () => {
    const inner = new SlowStore();
    const ctx = await setup({ store: inner, storeTimeout: 0.2 });
    try {
      inner.delayMs = 120; // two calls (versions, then createSession): each in time, not both
      const started = Date.now();
      await expect(ctx.sessions.issue('u1')).rejects.toBeInstanceOf(StoreUnavailableException);
      expect(Date.now() - started).toBeLessThan(350);
      inner.delayMs = 50;
      await expect(ctx.sessions.issue('u1')).resolves.toMatchObject({ tokenType: 'Bearer' });
    } finally {
      await ctx.close();
    }
  });

  it('gives the revocation a refresh makes (a reused refresh token) what is left of the refresh budget', async () => {
    const inner = new SlowStore();
    const ctx = await setup({ store: inner, storeTimeout: 0.2, refreshReuseGrace: 0 });
    try {
      const first = await ctx.sessions.issue('u1');
      await ctx.sessions.refresh(first.refreshToken);
      inner.delayMs = 120; // versions, then the session's revocation: each in time, not both
      const started = Date.now();
      await expect(ctx.sessions.refresh(first.refreshToken)).rejects.toBeInstanceOf(
        StoreUnavailableException,
      );
      expect(Date.now() - started).toBeLessThan(350);
    } finally {
      await ctx.close();
    }
  });

  it('keeps no AsyncLocalStorage of its own: on Node < 24 one turns on promise hooks for the whole process', async () => {
    const run = jest.spyOn(AsyncLocalStorage.prototype, 'run');
    const enterWith = jest.spyOn(AsyncLocalStorage.prototype, 'enterWith');
    const ctx = await setup({ store: new SlowStore() });
    try {
      const pair = await ctx.sessions.issue('u1');
      const next = await ctx.sessions.refresh(pair.refreshToken);
      const claims = ctx.verifier.verifyAccessToken(next.accessToken);
      await ctx.revocations.confirmNotRevoked(claims);
      await ctx.sessions.revokeOwn('u1', next.sessionId);
      await ctx.revocations.revokeUser('u1', { reason: 'admin', count: false });
      expect(run).not.toHaveBeenCalled();
      expect(enterWith).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
      enterWith.mockRestore();
      await ctx.close();
    }
  });
});
