import fc from 'fast-check';
import { setup } from '../../test/setup';
import {
  InvalidGrantException,
  InvalidTokenException,
  TokenRevokedException,
} from '../jwt-revocation.exceptions';
import { RefreshTokenReusedException } from './session.service';

const SECOND = 1000;

describe('SessionService', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  afterEach(() => ctx?.close());

  it('says only "invalid" about refused refresh tokens with errorDetail "generic"', async () => {
    ctx = await setup({ errorDetail: 'generic', refreshReuseGrace: 0 });
    const descriptionOf = (refused: Promise<unknown>) =>
      refused.then(
        () => 'accepted',
        (error: InvalidGrantException) =>
          (error.getResponse() as Record<string, string>).error_description,
      );
    const reused = await ctx.sessions.issue('u1');
    await ctx.sessions.refresh(reused.refreshToken);
    expect(await descriptionOf(ctx.sessions.refresh(reused.refreshToken))).toBe(
      'The refresh token is invalid',
    );
    const revoked = await ctx.sessions.issue('u2');
    await ctx.revocations.revokeSession(revoked.sessionId, { reason: 'logout' });
    expect(await descriptionOf(ctx.sessions.refresh(revoked.refreshToken))).toBe(
      'The refresh token is invalid',
    );
    const expired = await ctx.sessions.issue('u3');
    ctx.clock.advance(40 * 86400 * SECOND);
    expect(await descriptionOf(ctx.sessions.refresh(expired.refreshToken))).toBe(
      'The refresh token is invalid',
    );
  });

  it('issues an access token (typ at+jwt) and a refresh token of another type', async () => {
    ctx = await setup();
    const pair = await ctx.sessions.issue('u1', {
      roles: ['user'],
      ip: '10.0.0.1',
      userAgent: 'ua',
    });
    const header = JSON.parse(Buffer.from(pair.accessToken.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    const claims = ctx.verifier.verifyAccessToken(pair.accessToken);
    expect(claims).toEqual(
      expect.objectContaining({ sub: 'u1', sid: pair.sessionId, roles: ['user'] }),
    );
    expect(claims.exp - claims.iat).toBe(900);
    expect(pair.expiresIn).toBe(900);
    expect(() => ctx.verifier.verifyAccessToken(pair.refreshToken)).toThrow(InvalidTokenException);
    expect(() => ctx.verifier.verifyRefreshToken(pair.accessToken)).toThrow(InvalidTokenException);
    const [session] = await ctx.sessions.list('u1');
    expect(session).toEqual(
      expect.objectContaining({
        id: pair.sessionId,
        ip: '10.0.0.1',
        userAgent: 'ua',
        createdAt: ctx.clock.now(),
        lastSeenAt: ctx.clock.now(),
      }),
    );
  });

  it('rotates refresh tokens: each is single use, and reuse ends the whole family', async () => {
    ctx = await setup({ refreshReuseGrace: 0 });
    const first = await ctx.sessions.issue('u1');
    ctx.clock.advance(SECOND);
    const second = await ctx.sessions.refresh(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    ctx.clock.advance(SECOND);
    const third = await ctx.sessions.refresh(second.refreshToken);
    ctx.clock.advance(SECOND);
    await expect(ctx.sessions.refresh(first.refreshToken)).rejects.toBeInstanceOf(
      RefreshTokenReusedException,
    );
    await expect(ctx.sessions.refresh(third.refreshToken)).rejects.toBeInstanceOf(
      InvalidGrantException,
    );
    expect(() =>
      ctx.revocations.assertNotRevoked(ctx.verifier.verifyAccessToken(third.accessToken)),
    ).toThrow(TokenRevokedException);
    const [audit] = await ctx.revocations.audit();
    expect(audit).toEqual(
      expect.objectContaining({
        kind: 'session',
        target: first.sessionId,
        reason: 'refresh_reuse',
      }),
    );
  });

  it('hands the same successor to a retry within the grace window, and treats it as reuse after', async () => {
    ctx = await setup({ refreshReuseGrace: 5 });
    const first = await ctx.sessions.issue('u1');
    const successor = await ctx.sessions.refresh(first.refreshToken);
    ctx.clock.advance(4 * SECOND);
    const retry = await ctx.sessions.refresh(first.refreshToken);
    expect(retry.refreshToken).toBe(successor.refreshToken);
    expect(ctx.verifier.verifyAccessToken(retry.accessToken).jti).not.toBe(
      ctx.verifier.verifyAccessToken(successor.accessToken).jti,
    );
    ctx.clock.advance(2 * SECOND);
    await expect(ctx.sessions.refresh(first.refreshToken)).rejects.toBeInstanceOf(
      RefreshTokenReusedException,
    );
    await expect(ctx.sessions.refresh(successor.refreshToken)).rejects.toBeInstanceOf(
      InvalidGrantException,
    );
  });

  it('gives no grace at all when the window is 0, even within the same millisecond', async () => {
    ctx = await setup({ refreshReuseGrace: 0 });
    const first = await ctx.sessions.issue('u1');
    await ctx.sessions.refresh(first.refreshToken);
    await expect(ctx.sessions.refresh(first.refreshToken)).rejects.toBeInstanceOf(
      RefreshTokenReusedException,
    );
  });

  it('gives only the immediate predecessor a grace window', async () => {
    ctx = await setup({ refreshReuseGrace: 60 });
    const a = await ctx.sessions.issue('u1');
    const b = await ctx.sessions.refresh(a.refreshToken);
    await ctx.sessions.refresh(b.refreshToken);
    await expect(ctx.sessions.refresh(a.refreshToken)).rejects.toBeInstanceOf(
      RefreshTokenReusedException,
    );
  });

  it('produces at most one successor for concurrent refreshes of one token', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 12 }), fc.boolean(), async (parallel, grace) => {
        const local = await setup({ refreshReuseGrace: grace ? 5 : 0 });
        try {
          const pair = await local.sessions.issue('u1');
          const results = await Promise.allSettled(
            Array.from({ length: parallel }, () => local.sessions.refresh(pair.refreshToken)),
          );
          const successors = new Set(
            results.flatMap((r) =>
              r.status === 'fulfilled'
                ? [local.verifier.verifyRefreshToken(r.value.refreshToken).jti]
                : [],
            ),
          );
          expect(successors.size).toBeLessThanOrEqual(1);
          if (grace) expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
        } finally {
          await local.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('ends a session after the idle timeout and after its absolute lifetime', async () => {
    ctx = await setup({ sessionIdleTimeout: 60, sessionAbsoluteTimeout: 150, accessTokenTtl: 30 });
    const idle = await ctx.sessions.issue('u1');
    ctx.clock.advance(61 * SECOND);
    await expect(ctx.sessions.refresh(idle.refreshToken)).rejects.toMatchObject({
      reason: 'expired',
      cause: { message: expect.stringMatching(/idle/) },
    });
    expect((await ctx.revocations.audit())[0]).toEqual(
      expect.objectContaining({ target: idle.sessionId, reason: 'session_timeout' }),
    );

    const start = ctx.clock.now();
    let pair = await ctx.sessions.issue('u1');
    for (const step of [50, 50, 49]) {
      ctx.clock.advance(step * SECOND);
      pair = await ctx.sessions.refresh(pair.refreshToken);
    }
    const claims = ctx.verifier.verifyAccessToken(pair.accessToken);
    expect(claims.exp * 1000).toBeLessThanOrEqual(start + 150 * SECOND);
    ctx.clock.advance(2 * SECOND);
    await expect(ctx.sessions.refresh(pair.refreshToken)).rejects.toMatchObject({
      reason: 'expired',
      cause: { message: expect.stringMatching(/maximum lifetime/) },
    });
    expect(await ctx.sessions.list('u1')).toEqual([]);
  });

  it('refuses a refresh when beforeRotate throws, leaving the token unrotated', async () => {
    ctx = await setup();
    const pair = await ctx.sessions.issue('u1', { userAgent: 'A' });
    await expect(
      ctx.sessions.refresh(
        pair.refreshToken,
        { userAgent: 'B' },
        {
          beforeRotate: (session, client) => {
            if (session.userAgent !== client.userAgent) throw new Error('user agent changed');
          },
        },
      ),
    ).rejects.toThrow('user agent changed');
    await expect(
      ctx.sessions.refresh(pair.refreshToken, { userAgent: 'A' }),
    ).resolves.toBeDefined();
  });

  it('rejects every token of a user issued before a user-wide revocation and accepts those after, in the same second', async () => {
    ctx = await setup();
    const before = await ctx.sessions.issue('u1');
    await ctx.revocations.revokeUser('u1', { reason: 'password_change' });
    const after = await ctx.sessions.issue('u1');
    const beforeClaims = ctx.verifier.verifyAccessToken(before.accessToken);
    const afterClaims = ctx.verifier.verifyAccessToken(after.accessToken);
    expect(afterClaims.iat).toBe(beforeClaims.iat);
    expect(() => ctx.revocations.assertNotRevoked(beforeClaims)).toThrow(TokenRevokedException);
    expect(() => ctx.revocations.assertNotRevoked(afterClaims)).not.toThrow();
    await expect(ctx.sessions.refresh(before.refreshToken)).rejects.toBeInstanceOf(
      InvalidGrantException,
    );
    await expect(ctx.sessions.refresh(after.refreshToken)).resolves.toBeDefined();
    expect((await ctx.sessions.list('u1')).map((s) => s.id)).toEqual([after.sessionId]);
  });

  it('does not depend on the clock for user-wide revocation (a clock running behind changes nothing)', async () => {
    ctx = await setup();
    const before = await ctx.sessions.issue('u1');
    ctx.clock.advance(60 * SECOND);
    await ctx.revocations.revokeUser('u1', { reason: 'role_change' });
    ctx.clock.advance(-120 * SECOND);
    const after = await ctx.sessions.issue('u1');
    expect(() =>
      ctx.revocations.assertNotRevoked(ctx.verifier.verifyAccessToken(before.accessToken)),
    ).toThrow();
    expect(() =>
      ctx.revocations.assertNotRevoked(ctx.verifier.verifyAccessToken(after.accessToken)),
    ).not.toThrow();
  });

  it('lets a user end only their own sessions', async () => {
    ctx = await setup();
    const mine = await ctx.sessions.issue('u1');
    const theirs = await ctx.sessions.issue('u2');
    expect(await ctx.sessions.revokeOwn('u1', theirs.sessionId)).toBe(false);
    expect(await ctx.sessions.revokeOwn('u1', 'unknown')).toBe(false);
    expect(await ctx.sessions.revokeOwn('u1', mine.sessionId)).toBe(true);
    expect(await ctx.sessions.revokeOwn('u1', mine.sessionId)).toBe(false);
    expect((await ctx.sessions.list('u2')).map((s) => s.id)).toEqual([theirs.sessionId]);
  });

  it('in allowlist mode accepts a token only while its session is known and active', async () => {
    ctx = await setup({ mode: 'allowlist' });
    const pair = await ctx.sessions.issue('u1');
    const claims = ctx.verifier.verifyAccessToken(pair.accessToken);
    expect(() => ctx.revocations.assertNotRevoked(claims)).not.toThrow();
    expect(() => ctx.revocations.assertNotRevoked({ ...claims, sid: 'never-issued' })).toThrow(
      TokenRevokedException,
    );
    await ctx.sessions.logout(pair.sessionId);
    expect(() => ctx.revocations.assertNotRevoked(claims)).toThrow(TokenRevokedException);
  });
});
