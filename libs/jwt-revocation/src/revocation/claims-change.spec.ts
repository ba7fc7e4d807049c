import { setup } from '../../test/setup';
import {
  bearerChallenge,
  ClaimsChangedException,
  InvalidGrantException,
  rejectionReason,
  TokenRevokedException,
} from '../jwt-revocation.exceptions';
import { LiveConnectionRegistry } from '../live/live-connection.registry';
import { MemoryRevocationStore } from '../storage/memory-revocation.store';
import { RevocationCache } from './revocation.cache';

const SECOND = 1000;

describe('claims changes (role change without logout)', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  const roles = new Map<string, string[]>();
  afterEach(() => ctx?.close());
  beforeEach(() => roles.clear());

  const withLoader = () =>
    setup({
      claimsLoader: async (subject) => (roles.has(subject) ? { roles: roles.get(subject)! } : null),
    });

  it('refuses earlier access tokens with a distinct reason, keeps the session, and refreshes into the new roles', async () => {
    ctx = await withLoader();
    roles.set('u1', ['user']);
    const laptop = await ctx.sessions.issue('u1', { roles: ['user'] });
    const phone = await ctx.sessions.issue('u1', { roles: ['user'] });
    const other = await ctx.sessions.issue('u2', { roles: ['user'] });
    expect(ctx.verifier.verifyAccessToken(laptop.accessToken).cv).toBe(0);

    roles.set('u1', ['user', 'auditor']);
    expect(await ctx.revocations.changeClaims('u1', { actor: 'admin-1' })).toEqual({ revoked: 2 });

    const old = ctx.verifier.verifyAccessToken(laptop.accessToken);
    expect(ctx.revocations.check(old)).toBe('claims');
    let refused: unknown;
    try {
      ctx.revocations.assertNotRevoked(old);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ClaimsChangedException);
    expect(refused).toBeInstanceOf(TokenRevokedException);
    expect(rejectionReason(refused)).toBe('claims_changed');
    expect(bearerChallenge(refused)).toBe(
      'Bearer error="invalid_token", error_description="The access token carries outdated claims; refresh it to get the current ones"',
    );
    expect(
      ctx.revocations.check(ctx.verifier.verifyAccessToken(other.accessToken)),
    ).toBeUndefined();

    // Same second as the change: the version, not the time, tells the new token apart.
    const renewed = await ctx.sessions.refresh(laptop.refreshToken);
    expect(renewed.sessionId).toBe(laptop.sessionId);
    expect(renewed.claims).toEqual(expect.objectContaining({ roles: ['user', 'auditor'], cv: 1 }));
    expect(ctx.revocations.check(renewed.claims)).toBeUndefined();
    expect((await ctx.sessions.find(laptop.sessionId))?.roles).toEqual(['user', 'auditor']);
    expect((await ctx.sessions.list('u1')).map((s) => s.id).sort()).toEqual(
      [laptop.sessionId, phone.sessionId].sort(),
    );
    const [audit] = await ctx.revocations.audit();
    expect(audit).toEqual(
      expect.objectContaining({
        kind: 'claims',
        target: 'u1',
        reason: 'role_change',
        actor: 'admin-1',
        count: 2,
      }),
    );

    ctx.clock.advance(SECOND);
    const again = await ctx.sessions.refresh(renewed.refreshToken);
    expect(again.claims).toEqual(expect.objectContaining({ roles: ['user', 'auditor'], cv: 1 }));
  });

  it('judges tokens without cv (signed elsewhere or before the upgrade) by their iat', async () => {
    ctx = await withLoader();
    const now = Math.floor(ctx.clock.now() / 1000);
    await ctx.revocations.changeClaims('u1');
    expect(ctx.revocations.check({ sub: 'u1', iat: now, sid: 's', uv: 0, gv: 0 })).toBe('claims');
    expect(
      ctx.revocations.check({ sub: 'u1', iat: now + 1, sid: 's', uv: 0, gv: 0 }),
    ).toBeUndefined();
    expect(ctx.revocations.check({ sub: 'u2', iat: now, sid: 's', uv: 0, gv: 0 })).toBeUndefined();
  });

  it('reports a session revocation before a claims change, since refreshing would not help', async () => {
    ctx = await withLoader();
    const pair = await ctx.sessions.issue('u1');
    await ctx.revocations.changeClaims('u1');
    await ctx.sessions.logout(pair.sessionId);
    expect(ctx.revocations.check(pair.claims)).toBe('session');
  });

  it('refuses the refresh (log in again) without a claims loader, or when it finds no user', async () => {
    ctx = await setup();
    const pair = await ctx.sessions.issue('u1', { roles: ['user'] });
    await ctx.revocations.changeClaims('u1');
    await expect(ctx.sessions.refresh(pair.refreshToken)).rejects.toBeInstanceOf(
      InvalidGrantException,
    );
    await ctx.close();

    ctx = await withLoader();
    const gone = await ctx.sessions.issue('ghost', { roles: ['user'] });
    await ctx.revocations.changeClaims('ghost');
    await expect(ctx.sessions.refresh(gone.refreshToken)).rejects.toBeInstanceOf(
      InvalidGrantException,
    );
  });

  it('closes live connections on the old token, and not those renewed with a refreshed one', async () => {
    ctx = await withLoader();
    roles.set('u1', ['admin']);
    const pair = await ctx.sessions.issue('u1', { roles: ['user'] });
    const registry = ctx.moduleRef.get(LiveConnectionRegistry);
    const closed: string[] = [];
    registry.register(pair.claims, (reason) => closed.push(`old:${reason}`));
    await ctx.revocations.changeClaims('u1');
    await new Promise((resolve) => setImmediate(resolve)); // the registry closes on a later turn
    expect(closed).toEqual(['old:claims_changed']);
    const renewed = await ctx.sessions.refresh(pair.refreshToken);
    registry.register(renewed.claims, (reason) => closed.push(`new:${reason}`));
    await ctx.revocations.revokeToken('unrelated', { reason: 'admin' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toEqual(['old:claims_changed']);
  });

  it('rebuilds claims versions from a snapshot after a restart', async () => {
    const store = new MemoryRevocationStore();
    ctx = await setup({ store });
    const pair = await ctx.sessions.issue('u1');
    await ctx.revocations.changeClaims('u1');
    await ctx.close();
    ctx = await setup({ store });
    expect(ctx.moduleRef.get(RevocationCache).check(pair.claims, ctx.clock.now())).toBe('claims');
  });

  it('refuses a transaction on a store that cannot join one, recording nothing', async () => {
    ctx = await setup();
    await expect(
      ctx.revocations.revokeUser('u1', { reason: 'password_change', transaction: {} }),
    ).rejects.toThrow('cannot join a transaction');
    expect(await ctx.revocations.audit()).toEqual([]);
  });
});
