import { Controller, ExecutionContext, Get, HttpException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { until } from '../../../test/support/until';
import { setup } from '../test/setup';
import { Authorize } from './decorators/authorize.decorator';
import { JwtRevocationConfig } from './jwt-revocation.config';
import {
  ClientNotAllowedException,
  InsufficientScopeException,
  InvalidTokenException,
  RevocationUnavailableException,
  StoreUnavailableException,
  TokenRevokedException,
} from './jwt-revocation.exceptions';
import { ClientRegistry } from './clients/client.registry';
import { JwtRevocationModule } from './jwt-revocation.module';
import type { JwtRevocationModuleOptions } from './jwt-revocation.options';
import { routePolicy } from './route-policy';
import { MemoryRevocationStore } from './storage/memory-revocation.store';
import type { RevocationStore } from './storage/revocation-store.interface';
import { signJws } from './tokens/jws';
import { ACCESS_TOKEN_TYPE } from './tokens/token.claims';

const MODULE = { failureMode: 'closed', maxStalenessMs: 5000, pollIntervalMs: 1000 } as const;
const policyOf = (options: object, roles?: unknown) =>
  routePolicy({ isPublic: false, roles, options }, MODULE, 'Routes.handler');

describe('routePolicy', () => {
  it('keeps a route without options on the module defaults, with nothing extra to check', () => {
    expect(policyOf({}, ['admin'])).toEqual({
      isPublic: false,
      roles: ['admin'],
      trust: undefined,
      restricted: false,
      strong: false,
      clients: undefined,
      audiences: undefined,
    });
    expect(policyOf({}, []).roles).toBeUndefined();
  });

  it('overrides the failure mode and staleness per route, the other from the module', () => {
    expect(policyOf({ failureMode: 'open' }).trust).toEqual({
      failureMode: 'open',
      maxStalenessMs: 5000,
    });
    expect(policyOf({ maxStaleness: 30 }).trust).toEqual({
      failureMode: 'closed',
      maxStalenessMs: 30_000,
    });
    expect(policyOf({ maxStaleness: 0 }).trust?.maxStalenessMs).toBe(0);
  });

  it('normalises clients and audiences', () => {
    const policy = policyOf({ clients: ['web', 'cli'], audience: 'billing' });
    expect(policy.restricted).toBe(true);
    expect([...(policy.clients ?? [])]).toEqual(['web', 'cli']);
    expect(policy.audiences).toEqual(['billing']);
    expect(policyOf({ audience: ['a', 'b'] }).audiences).toEqual(['a', 'b']);
    expect(policyOf({ consistency: 'strong' }).strong).toBe(true);
  });

  it.each([
    [{ consistency: 'strong', failureMode: 'open' }, /failureMode "open" contradicts it/],
    [{ consistency: 'strong', maxStaleness: 10 }, /maxStaleness has no meaning/],
    [{ maxStaleness: 1 }, /must be longer than the module's pollInterval \(1 s\)/],
    [{ maxStaleness: -1 }, /maxStaleness must be a number of seconds >= 0/],
    [{ consistency: 'eventual' }, /consistency must be one of cached, strong/],
    [{ failureMode: 'maybe' }, /failureMode must be one of closed, open/],
    [{ clients: [] }, /clients must be a non-empty list/],
    [{ clients: ['web', ''] }, /clients must be a non-empty list of non-empty strings/],
    [{ audience: [] }, /audience must be a non-empty list/],
    [{ role: ['admin'] }, /unknown option "role"/],
  ])('refuses %p naming the route', (options, message) => {
    expect(() => policyOf(options)).toThrow(message);
    expect(() => policyOf(options)).toThrow(/^jwt-revocation: @Authorize on Routes\.handler: /);
  });

  it('refuses a route staleness when the module does not poll', () => {
    expect(() =>
      routePolicy(
        { isPublic: false, roles: undefined, options: { maxStaleness: 10 } },
        { ...MODULE, pollIntervalMs: 0 },
        'R.h',
      ),
    ).toThrow(/maxStaleness needs polling/);
  });

  it('refuses a client the module does not know', () => {
    const clients = new ClientRegistry([{ clientId: 'web' }, { clientId: 'orders-api' }]);
    const policy = (names: string[]) =>
      routePolicy(
        { isPublic: false, roles: undefined, options: { clients: names } },
        { ...MODULE, clients },
        'R.h',
      );
    expect(policy(['orders-api']).clients).toEqual(new Set(['orders-api']));
    expect(() => policy(['web', 'mobile'])).toThrow(
      /client "mobile" is not one of the module's clients \(web, orders-api\)/,
    );
  });

  it('refuses roles that are not strings', () => {
    expect(() => policyOf({}, ['admin', 3])).toThrow(/roles must be a list of non-empty strings/);
  });
});

@Authorize({ roles: ['staff'], consistency: 'strong' })
@Controller()
class Routes {
  @Get() strongStaff() {}
  @Authorize() @Get() cached() {}
  @Authorize({ consistency: 'strong' }) @Get() strong() {}
  @Authorize({ failureMode: 'open' }) @Get() failOpen() {}
  @Authorize({ maxStaleness: 60 }) @Get() tolerant() {}
  @Authorize({ clients: ['web'] }) @Get() webOnly() {}
  @Authorize({ audience: ['billing', 'ledger'] }) @Get() billing() {}
  @Authorize({ roles: ['admin'], clients: ['web'] }) @Get() webAdmin() {}
}

function contextFor(handler: keyof Routes, authorization: string) {
  const headers: Record<string, string> = {};
  const request = { headers: { authorization } } as Record<string, unknown> & {
    headers: Record<string, unknown>;
  };
  const context = {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({
      getRequest: () => request,
      getResponse: () => ({ header: (name: string, value: string) => (headers[name] = value) }),
    }),
  } as unknown as ExecutionContext;
  return { context, request, headers };
}

/** A store whose calls fail while `state.down`. */
function flakyStore() {
  const inner = new MemoryRevocationStore();
  const state = { down: false };
  const proxy: RevocationStore = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        state.down ? Promise.reject(new Error('store down')) : value.apply(target, args);
    },
  });
  return { inner, proxy, state };
}

describe('JwtRevocationGuard with per-route policies', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  afterEach(() => ctx?.close());

  async function attempt(handler: keyof Routes, token: string) {
    const { context, request, headers } = contextFor(handler, `Bearer ${token}`);
    try {
      return { ok: await ctx.guard.canActivate(context), request, headers, error: undefined };
    } catch (error) {
      return { ok: false, request, headers, error: error as HttpException };
    }
  }

  async function token(roles: string[] = ['staff'], extra: Record<string, unknown> = {}) {
    const pair = await ctx.sessions.issue('u1', { roles });
    if (Object.keys(extra).length === 0) return { pair, token: pair.accessToken };
    const key = ctx.moduleRef.get(JwtRevocationConfig).keys.signing;
    const claims = { ...ctx.verifier.verifyAccessToken(pair.accessToken), ...extra };
    return { pair, token: signJws(key, { alg: key.alg, typ: ACCESS_TOKEN_TYPE }, claims) };
  }

  async function boot(options: Partial<JwtRevocationModuleOptions> = {}) {
    const store = flakyStore();
    ctx = await setup({ store: store.proxy, ...options });
    return store;
  }

  it('refuses on a strong route what another instance revoked, while the cached verdict still passes', async () => {
    const { inner } = await boot();
    const { pair, token: access } = await token();
    // Written straight to the shared store, as another instance would: this instance hears nothing.
    await inner.revoke({
      target: { kind: 'session', sessionId: pair.sessionId },
      reason: 'logout',
      at: ctx.clock.now(),
      tokenLifetimeMs: 900_000,
      sessionLifetimeMs: 86_400_000,
    });
    expect((await attempt('cached', access)).ok).toBe(true);
    const strong = await attempt('strong', access);
    expect(strong.error).toBeInstanceOf(TokenRevokedException);
    expect(strong.error?.getResponse()).toEqual(
      expect.objectContaining({ error: 'invalid_token', reason: 'session_ended' }),
    );
    expect(strong.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    expect(strong.request.user).toBeUndefined();
    // The strong read brought the cache up to date for every route.
    expect((await attempt('cached', access)).error).toBeInstanceOf(TokenRevokedException);
  });

  it('accepts on a strong route and hands over the claims', async () => {
    await boot();
    const { token: access } = await token();
    const result = await attempt('strongStaff', access);
    expect(result.ok).toBe(true);
    expect(result.request.user).toEqual(expect.objectContaining({ sub: 'u1' }));
  });

  it('checks roles before asking the store, a method replacing its class', async () => {
    const { state } = await boot();
    const { token: access } = await token(['user']);
    state.down = true;
    const denied = await attempt('strongStaff', access);
    expect(denied.error).toBeInstanceOf(InsufficientScopeException);
    expect(denied.error?.getResponse()).toEqual(
      expect.objectContaining({ reason: 'insufficient_role' }),
    );
    // `@Authorize({ consistency: 'strong' })` on the method drops the class's roles.
    expect((await attempt('strong', access)).error).toBeInstanceOf(StoreUnavailableException);
  });

  it('answers 503 with Retry-After on a strong route while the store is down, even when the module fails open', async () => {
    const { state } = await boot({ failureMode: 'open', storeTimeout: 2 });
    const { token: access } = await token();
    state.down = true;
    const result = await attempt('strong', access);
    expect(result.error).toBeInstanceOf(StoreUnavailableException);
    expect(result.error?.getStatus()).toBe(503);
    expect((result.error as StoreUnavailableException).retryAfterSeconds).toBe(2);
    expect(result.error?.getResponse()).toEqual(
      expect.objectContaining({ reason: 'store_unavailable' }),
    );
    expect((await attempt('cached', access)).ok).toBe(true);
    state.down = false;
    expect((await attempt('strong', access)).ok).toBe(true);
  });

  it('answers a strong request 503 within storeTimeout when the store hangs', async () => {
    const { inner } = await boot({ storeTimeout: 0.3 });
    const { token: access } = await token();
    inner.changesSince = () => new Promise(() => undefined);
    const started = performance.now();
    const result = await attempt('strong', access);
    expect(result.error).toBeInstanceOf(StoreUnavailableException);
    expect((result.error as StoreUnavailableException).failure).toBe('timeout');
    expect(result.headers['Retry-After']).toBe('1');
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('lets concurrent strong requests share store reads', async () => {
    const { inner } = await boot();
    const { token: access } = await token();
    let reads = 0;
    const changesSince = inner.changesSince.bind(inner);
    inner.changesSince = (cursor, limit) => {
      reads++;
      return changesSince(cursor, limit);
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => attempt('strong', access)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(2);
  });

  it('never settles a strong request with a store read that began before it', async () => {
    const { inner } = await boot();
    const { pair, token: access } = await token();
    const changesSince = inner.changesSince.bind(inner);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    inner.changesSince = async (cursor, limit) => {
      const changes = await changesSince(cursor, limit);
      if (calls++ === 0) await gate;
      return changes;
    };
    const early = attempt('strong', access);
    await until(() => calls === 1, 2000, 'first read made');
    await inner.revoke({
      target: { kind: 'session', sessionId: pair.sessionId },
      reason: 'logout',
      at: ctx.clock.now(),
      tokenLifetimeMs: 900_000,
      sessionLifetimeMs: 86_400_000,
    });
    const late = attempt('strong', access);
    release();
    expect((await early).ok).toBe(true);
    expect((await late).error).toBeInstanceOf(TokenRevokedException);
  });

  it('fails open or tolerates staleness only on the routes that say so', async () => {
    const { state } = await boot({ pollInterval: 0.02, maxStaleness: 1 });
    const { token: access } = await token();
    state.down = true;
    ctx.clock.advance(1001);
    expect((await attempt('cached', access)).error).toBeInstanceOf(RevocationUnavailableException);
    expect((await attempt('failOpen', access)).ok).toBe(true);
    expect((await attempt('tolerant', access)).ok).toBe(true);
    ctx.clock.advance(60_000);
    expect((await attempt('tolerant', access)).error).toBeInstanceOf(
      RevocationUnavailableException,
    );
    state.down = false;
    await until(() => ctx.sync.status().trusted, 2000, 'cache trusted');
    expect((await attempt('cached', access)).ok).toBe(true);
  });

  it('admits only the named clients, and refuses a token without client_id', async () => {
    await boot();
    const web = await token(['staff'], { client_id: 'web' });
    const cli = await token(['staff'], { client_id: 'cli' });
    const none = await token(['staff']);
    expect((await attempt('webOnly', web.token)).ok).toBe(true);
    for (const refused of [cli.token, none.token]) {
      const result = await attempt('webOnly', refused);
      expect(result.error).toBeInstanceOf(ClientNotAllowedException);
      expect(result.error?.getStatus()).toBe(403);
      expect(result.error?.getResponse()).toEqual({
        statusCode: 403,
        error: 'insufficient_scope',
        message: 'This client may not call this resource',
        reason: 'client_not_allowed',
      });
      expect(result.headers['WWW-Authenticate']).toBe('Bearer error="insufficient_scope"');
    }
    expect((await attempt('cached', cli.token)).ok).toBe(true);
    const webUser = await token(['user'], { client_id: 'web' });
    expect((await attempt('webAdmin', webUser.token)).error).toBeInstanceOf(
      InsufficientScopeException,
    );
  });

  it('admits only tokens for one of the named audiences', async () => {
    await boot();
    const ledger = await token(['staff'], { aud: ['web', 'ledger'] });
    const billing = await token(['staff'], { aud: 'billing' });
    const other = await token(['staff'], { aud: 'shop' });
    const none = await token(['staff']);
    expect((await attempt('billing', ledger.token)).ok).toBe(true);
    expect((await attempt('billing', billing.token)).ok).toBe(true);
    for (const refused of [other.token, none.token]) {
      const result = await attempt('billing', refused);
      expect(result.error).toBeInstanceOf(InvalidTokenException);
      expect(result.error?.getStatus()).toBe(401);
      expect(result.error?.getResponse()).toEqual(
        expect.objectContaining({ error: 'invalid_token', reason: 'wrong_audience' }),
      );
      expect(result.headers['WWW-Authenticate']).toContain('error="invalid_token"');
    }
  });

  it.each([
    ['token', 'revoked'],
    ['session', 'session_ended'],
    ['user', 'user_revoked'],
    ['global', 'all_revoked'],
  ] as const)('names a %s revocation %p', async (kind, reason) => {
    await boot();
    const { pair, token: access } = await token();
    const claims = ctx.verifier.verifyAccessToken(access);
    if (kind === 'token') await ctx.revocations.revokeToken(claims.jti, { reason: 'compromised' });
    if (kind === 'session')
      await ctx.revocations.revokeSession(pair.sessionId, { reason: 'logout' });
    if (kind === 'user') await ctx.revocations.revokeUser('u1', { reason: 'password_change' });
    if (kind === 'global') await ctx.revocations.revokeAll({ reason: 'compromised' });
    const result = await attempt('cached', access);
    expect(result.error?.getResponse()).toEqual({
      statusCode: 401,
      error: 'invalid_token',
      message: 'The access token has been revoked',
      reason,
    });
  });

  it('names an expired token, and hides every reason with errorDetail "generic"', async () => {
    await boot();
    const { token: access } = await token();
    ctx.clock.advance(3600_000);
    expect((await attempt('cached', access)).error?.getResponse()).toEqual(
      expect.objectContaining({ message: 'The access token has expired', reason: 'expired' }),
    );
    await ctx.close();

    await boot({ errorDetail: 'generic' });
    const generic = await token(['user']);
    ctx.clock.advance(3600_000);
    const expired = await attempt('cached', generic.token);
    expect(expired.error?.getResponse()).toEqual({
      statusCode: 401,
      error: 'invalid_token',
      message: 'The access token is invalid',
    });
    expect(expired.headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The access token is invalid"',
    );
    const fresh = await token(['user']);
    await ctx.revocations.revokeSession(fresh.pair.sessionId, { reason: 'logout' });
    const revoked = await attempt('cached', fresh.token);
    expect(revoked.error).toBeInstanceOf(TokenRevokedException);
    expect(revoked.error?.getResponse()).toEqual({
      statusCode: 401,
      error: 'invalid_token',
      message: 'The access token is invalid',
    });
    const role = await attempt('strongStaff', (await token(['user'])).token);
    expect(role.error?.getStatus()).toBe(403);
    expect(role.error?.getResponse()).not.toHaveProperty('reason');
  });
});

describe('bootstrap', () => {
  @Controller()
  class Contradictory {
    @Authorize({ consistency: 'strong', failureMode: 'open' }) @Get() pay() {}
  }

  @Controller()
  class Fine {
    @Authorize({ consistency: 'strong' }) @Get() pay() {}
  }

  async function init(controller: new () => unknown) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        JwtRevocationModule.forRoot({
          secret: 'bootstrap-secret-that-is-32-bytes!!',
          pollInterval: 0,
        }),
      ],
      controllers: [controller],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
    } finally {
      await app.close();
    }
  }

  it('refuses to start with a contradictory route, naming it', async () => {
    await expect(init(Contradictory)).rejects.toThrow(
      /@Authorize on Contradictory\.pay: consistency "strong" confirms every verdict/,
    );
  });

  it('starts with consistent routes', async () => {
    await expect(init(Fine)).resolves.toBeUndefined();
  });
});
