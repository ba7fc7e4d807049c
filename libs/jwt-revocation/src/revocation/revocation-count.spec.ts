import { setup } from '../../test/setup';

describe('RevocationService count option', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    ctx = await setup();
  });
  afterEach(() => ctx.close());

  it('counts user-wide, global and claims revocations by default', async () => {
    await ctx.sessions.issue('u1');
    await ctx.sessions.issue('u2');
    const claims: number = (await ctx.revocations.changeClaims('u1')).revoked;
    const user: number = (await ctx.revocations.revokeUser('u1', { reason: 'admin' })).revoked;
    const global: number = (await ctx.revocations.revokeAll({ reason: 'admin', count: true }))
      .revoked;
    expect([claims, user, global]).toEqual([1, 1, 1]);
  });

  it('with count: false, revokes all the same and returns null', async () => {
    const one = await ctx.sessions.issue('u1');
    const two = await ctx.sessions.issue('u2');
    const uncounted = { reason: 'admin', count: false } as const;
    const claims: null = (await ctx.revocations.changeClaims('u2', uncounted)).revoked;
    const user: null = (await ctx.revocations.revokeUser('u1', uncounted)).revoked;
    expect([claims, user]).toEqual([null, null]);
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(one.accessToken))).toBe('user');
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(two.accessToken))).toBe('claims');
    const global: null = (await ctx.revocations.revokeAll(uncounted)).revoked;
    expect(global).toBeNull();
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(two.accessToken))).toBe('global');
    expect((await ctx.revocations.audit()).map((e) => [e.kind, e.count])).toEqual([
      ['global', null],
      ['user', null],
      ['claims', null],
    ]);
  });

  it('counts session revocations whatever count says', async () => {
    const one = await ctx.sessions.issue('u1');
    const result = await ctx.revocations.revokeSession(one.sessionId, {
      reason: 'logout',
      count: false,
    });
    expect(result).toEqual({ revoked: 1 });
  });
});
