import { EventEmitterModule, EventEmitter2 } from '@nestjs/event-emitter';
import { setup } from '../../test/setup';
import { JwtRevocationEvents, TokenRevokedEvent } from './jwt-revocation.events';
import { MemoryRevocationStore } from '../storage/memory-revocation.store';

describe('RevocationEventsListener', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let events: EventEmitter2;
  const revoked: TokenRevokedEvent[] = [];

  beforeEach(async () => {
    ctx = await setup({}, [EventEmitterModule.forRoot()]);
    events = ctx.moduleRef.get(EventEmitter2);
    revoked.length = 0;
    events.on(JwtRevocationEvents.TokenRevoked, (e: TokenRevokedEvent) => revoked.push(e));
  });
  afterEach(() => ctx.close());

  it.each([
    [JwtRevocationEvents.PasswordChanged, 'password_change'],
    [JwtRevocationEvents.AccountSuspended, 'account_suspended'],
    [JwtRevocationEvents.AccountDeleted, 'account_deleted'],
    [JwtRevocationEvents.LoggedOutEverywhere, 'logout_all'],
  ])('%s revokes every token of the user with reason %s', async (event, reason) => {
    const pair = await ctx.sessions.issue('u1');
    await events.emitAsync(event, { userId: 'u1', actor: 'admin-7' });
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(pair.accessToken))).toBe('user');
    const [audit] = await ctx.revocations.audit();
    expect(audit).toEqual(
      expect.objectContaining({ kind: 'user', target: 'u1', reason, actor: 'admin-7', count: 1 }),
    );
    expect(revoked).toEqual([
      expect.objectContaining({ target: { kind: 'user', subject: 'u1' }, reason, count: 1 }),
    ]);
  });

  it.each([
    [JwtRevocationEvents.PasswordChanged, 'password_change'],
    [JwtRevocationEvents.AccountSuspended, 'account_suspended'],
    [JwtRevocationEvents.AccountDeleted, 'account_deleted'],
    [JwtRevocationEvents.LoggedOutEverywhere, 'logout_all'],
  ])(
    '%s with count: false revokes without counting (null in result, audit and event)',
    async (event, reason) => {
      const pair = await ctx.sessions.issue('u1');
      const results = await events.emitAsync(event, {
        userId: 'u1',
        actor: 'admin-7',
        count: false,
      });
      expect(results).toEqual([{ revoked: null }]);
      expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(pair.accessToken))).toBe('user');
      expect(await ctx.sessions.list('u1')).toEqual([]);
      const [audit] = await ctx.revocations.audit();
      expect(audit).toEqual(
        expect.objectContaining({
          kind: 'user',
          target: 'u1',
          reason,
          actor: 'admin-7',
          count: null,
        }),
      );
      expect(revoked).toEqual([
        expect.objectContaining({ target: { kind: 'user', subject: 'u1' }, reason, count: null }),
      ]);
    },
  );

  it('roles-changed refuses earlier access tokens as outdated claims, keeping the sessions', async () => {
    const pair = await ctx.sessions.issue('u1');
    await events.emitAsync(JwtRevocationEvents.RolesChanged, { userId: 'u1', actor: 'admin-7' });
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(pair.accessToken))).toBe('claims');
    expect((await ctx.sessions.list('u1')).map((s) => s.id)).toEqual([pair.sessionId]);
    const [audit] = await ctx.revocations.audit();
    expect(audit).toEqual(
      expect.objectContaining({ kind: 'claims', target: 'u1', reason: 'role_change', count: 1 }),
    );
    expect(revoked).toEqual([
      expect.objectContaining({ target: { kind: 'claims', subject: 'u1' }, reason: 'role_change' }),
    ]);
  });

  it('logged-out ends one session only', async () => {
    const one = await ctx.sessions.issue('u1');
    const two = await ctx.sessions.issue('u1');
    await events.emitAsync(JwtRevocationEvents.LoggedOut, {
      sessionId: one.sessionId,
      userId: 'u1',
    });
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(one.accessToken))).toBe('session');
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(two.accessToken))).toBeUndefined();
  });

  it('suspicious activity revokes the named token, session and IP', async () => {
    const byJti = await ctx.sessions.issue('u1');
    const bySession = await ctx.sessions.issue('u2');
    const byIp = await ctx.sessions.issue('u3', { ip: '203.0.113.5' });
    const jti = ctx.verifier.verifyAccessToken(byJti.accessToken);
    await events.emitAsync(JwtRevocationEvents.SuspiciousActivity, {
      jti: jti.jti,
      jtiExpiresAt: jti.exp,
      sessionId: bySession.sessionId,
      ip: '203.0.113.5',
    });
    expect(ctx.revocations.check(jti)).toBe('token');
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(bySession.accessToken))).toBe(
      'session',
    );
    expect(ctx.revocations.check(ctx.verifier.verifyAccessToken(byIp.accessToken))).toBe('session');
    expect((await ctx.revocations.audit()).map((e) => e.reason)).toEqual([
      'suspicious_activity',
      'suspicious_activity',
      'suspicious_activity',
    ]);
  });

  it('token-revocation-requested revokes one token, and suspicious activity keeps a given reason', async () => {
    const pair = await ctx.sessions.issue('u1');
    const other = await ctx.sessions.issue('u1');
    const claims = ctx.verifier.verifyAccessToken(pair.accessToken);
    await events.emitAsync(JwtRevocationEvents.TokenRevocationRequested, {
      jti: claims.jti,
      expiresAt: claims.exp,
      actor: 'u1',
    });
    expect(ctx.revocations.check(claims)).toBe('token');
    await events.emitAsync(JwtRevocationEvents.SuspiciousActivity, {
      sessionId: other.sessionId,
      reason: 'compromised',
      actor: 'admin-1',
    });
    const [latest, first] = await ctx.revocations.audit();
    expect(first).toEqual(
      expect.objectContaining({ kind: 'jti', target: claims.jti, reason: 'logout', actor: 'u1' }),
    );
    expect(latest).toEqual(
      expect.objectContaining({ kind: 'session', reason: 'compromised', actor: 'admin-1' }),
    );
  });

  it('reports a failed revocation to the emitter instead of swallowing it', async () => {
    const store = new MemoryRevocationStore();
    store.revoke = () => Promise.reject(new Error('database unavailable'));
    const broken = await setup({ store }, [EventEmitterModule.forRoot()]);
    try {
      const emitter = broken.moduleRef.get(EventEmitter2);
      await expect(
        emitter.emitAsync(JwtRevocationEvents.PasswordChanged, { userId: 'u1' }),
      ).rejects.toThrow('database unavailable');
    } finally {
      await broken.close();
    }
  });
});
