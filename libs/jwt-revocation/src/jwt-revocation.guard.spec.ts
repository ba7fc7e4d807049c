import { until } from '../../../test/support/until';
import { Controller, ExecutionContext, Get, HttpException } from '@nestjs/common';
import { Authorize } from './decorators/authorize.decorator';
import { Public } from './decorators/public.decorator';
import {
  InsufficientScopeException,
  InvalidRequestException,
  InvalidTokenException,
  MissingTokenException,
  RevocationUnavailableException,
  TokenRevokedException,
} from './jwt-revocation.exceptions';
import { setup } from '../test/setup';
import type { RevocationStore } from './storage/revocation-store.interface';
import { MemoryRevocationStore } from './storage/memory-revocation.store';
import { sessionFixture } from './testing/revocation-store.contract';

@Authorize('staff', 'admin')
@Controller()
class Routes {
  @Get() staffOrAdmin() {}
  @Authorize('admin') @Get() adminOnly() {}
  @Authorize() @Get() anyone() {}
  @Public() @Get() open() {}
}

function contextFor(handler: keyof Routes, authorization?: string | string[]) {
  const headers: Record<string, string> = {};
  const request = { headers: authorization === undefined ? {} : { authorization } } as {
    headers: Record<string, unknown>;
  } & Record<string, unknown>;
  const response = { header: (name: string, value: string) => (headers[name] = value) };
  const context = {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
  return { context, request, headers };
}

describe('JwtRevocationGuard', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  afterEach(() => ctx?.close());

  async function bearer(roles: string[] = ['staff']) {
    const pair = await ctx.sessions.issue('u1', { roles });
    return { pair, header: `Bearer ${pair.accessToken}` };
  }

  function attempt(handler: keyof Routes, authorization?: string | string[]) {
    const { context, request, headers } = contextFor(handler, authorization);
    try {
      return { ok: ctx.guard.canActivate(context), request, headers, error: undefined };
    } catch (error) {
      return { ok: false, request, headers, error: error as HttpException };
    }
  }

  it('lets a valid token through and hands the claims to the request', async () => {
    ctx = await setup();
    const { header } = await bearer();
    const result = attempt('staffOrAdmin', header);
    expect(result.ok).toBe(true);
    expect(result.request.user).toEqual(expect.objectContaining({ sub: 'u1', roles: ['staff'] }));
  });

  it('answers a missing token with a bare Bearer challenge', async () => {
    ctx = await setup();
    for (const auth of [undefined, '', 'Basic dXNlcjpwYXNz']) {
      const result = attempt('anyone', auth);
      expect(result.error).toBeInstanceOf(MissingTokenException);
      expect(result.headers['WWW-Authenticate']).toBe('Bearer');
    }
  });

  it.each([['Bearer'], ['Bearer    '], [['Bearer a', 'Bearer b']]])(
    'answers %p with 400 invalid_request',
    async (auth) => {
      ctx = await setup();
      const result = attempt('anyone', auth);
      expect(result.error).toBeInstanceOf(InvalidRequestException);
      expect(result.error?.getStatus()).toBe(400);
      expect(result.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_request"/);
    },
  );

  it.each([['Bearer not.a.jwt'], ['bearer abc'], ['Bearer a b']])(
    'answers a malformed token %p with invalid_token',
    async (auth) => {
      ctx = await setup();
      const result = attempt('anyone', auth);
      expect(result.error).toBeInstanceOf(InvalidTokenException);
      expect(result.error?.getStatus()).toBe(401);
      expect(result.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
    },
  );

  it('requires any one of the roles, a method overriding its class', async () => {
    ctx = await setup();
    const staff = await bearer(['staff']);
    const admin = await bearer(['admin']);
    const nobody = await bearer([]);
    expect(attempt('staffOrAdmin', staff.header).ok).toBe(true);
    expect(attempt('staffOrAdmin', admin.header).ok).toBe(true);
    expect(attempt('adminOnly', admin.header).ok).toBe(true);
    const denied = attempt('adminOnly', staff.header);
    expect(denied.error).toBeInstanceOf(InsufficientScopeException);
    expect(denied.error?.getStatus()).toBe(403);
    expect(denied.headers['WWW-Authenticate']).toBe('Bearer error="insufficient_scope"');
    expect(attempt('anyone', nobody.header).ok).toBe(true);
    expect(attempt('staffOrAdmin', nobody.header).error).toBeInstanceOf(InsufficientScopeException);
  });

  it('skips @Public routes', async () => {
    ctx = await setup();
    expect(attempt('open').ok).toBe(true);
  });

  it.each([
    [
      'jti',
      (
        r: Awaited<ReturnType<typeof setup>>,
        p: { sessionId: string; claims: { jti: string; exp: number } },
      ) => r.revocations.revokeToken(p.claims.jti, { reason: 'compromised' }, p.claims.exp),
    ],
    [
      'session',
      (r: Awaited<ReturnType<typeof setup>>, p: { sessionId: string }) =>
        r.revocations.revokeSession(p.sessionId, { reason: 'logout' }),
    ],
    [
      'user',
      (r: Awaited<ReturnType<typeof setup>>) =>
        r.revocations.revokeUser('u1', { reason: 'account_deleted' }),
    ],
    [
      'global',
      (r: Awaited<ReturnType<typeof setup>>) => r.revocations.revokeAll({ reason: 'compromised' }),
    ],
    [
      'ip',
      (r: Awaited<ReturnType<typeof setup>>) =>
        r.revocations.revokeIp('192.0.2.7', { reason: 'suspicious_activity' }),
    ],
  ])('rejects a token revoked by %s on the next check', async (_kind, revoke) => {
    ctx = await setup();
    const pair = await ctx.sessions.issue('u1', { roles: ['staff'], ip: '192.0.2.7' });
    const bystander = await ctx.sessions.issue('u2', { roles: ['staff'], ip: '198.51.100.1' });
    expect(attempt('anyone', `Bearer ${pair.accessToken}`).ok).toBe(true);
    await revoke(ctx, pair);
    const result = attempt('anyone', `Bearer ${pair.accessToken}`);
    expect(result.error).toBeInstanceOf(TokenRevokedException);
    expect(result.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    if (_kind !== 'global')
      expect(attempt('anyone', `Bearer ${bystander.accessToken}`).ok).toBe(true);
  });

  function flakyStore() {
    const store = new MemoryRevocationStore();
    const state = { down: false };
    const proxy: RevocationStore = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          state.down ? Promise.reject(new Error('store down')) : value.apply(target, args);
      },
    });
    return { proxy, state };
  }

  it('fails closed with 503 until the cache is loaded, and recovers by itself', async () => {
    const { proxy, state } = flakyStore();
    state.down = true;
    ctx = await setup({ store: proxy, pollInterval: 0.02, maxStaleness: 1 });
    const token = ctx.issuer.signAccessToken(sessionFixture(), ctx.clock.now()).token;
    const result = attempt('anyone', `Bearer ${token}`);
    expect(result.error).toBeInstanceOf(RevocationUnavailableException);
    expect(result.error?.getStatus()).toBe(503);
    state.down = false;
    await until(() => ctx.sync.status().loaded, 2000, 'cache loaded');
    expect(attempt('anyone', `Bearer ${token}`).ok).toBe(true);
  });

  it('stops trusting a cache not confirmed fresh within maxStaleness', async () => {
    const { proxy, state } = flakyStore();
    ctx = await setup({ store: proxy, pollInterval: 0.02, maxStaleness: 1 });
    const { header } = await bearer();
    expect(attempt('anyone', header).ok).toBe(true);
    state.down = true;
    ctx.clock.advance(1001);
    expect(attempt('anyone', header).error).toBeInstanceOf(RevocationUnavailableException);
    expect(ctx.sync.status().trusted).toBe(false);
    state.down = false;
    await until(() => ctx.sync.status().trusted, 2000, 'cache trusted');
    expect(attempt('anyone', header).ok).toBe(true);
  });

  it('fails open only when told to', async () => {
    const store = new MemoryRevocationStore();
    store.loadSnapshot = () => Promise.reject(new Error('store down'));
    ctx = await setup({ store, failureMode: 'open' });
    const { header } = await bearer();
    expect(attempt('anyone', header).ok).toBe(true);
  });
});
