import { setup } from '../../test/setup';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { InvalidGrantException } from '../jwt-revocation.exceptions';
import { signJws } from '../tokens/jws';
import { REFRESH_TOKEN_TYPE } from '../tokens/token.claims';
import { RevocationClaimsService } from './revocation-claims.service';

const SHA = `sha256:${'A'.repeat(43)}`;

describe('SessionService and RevocationClaimsService with OAuth clients', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  afterEach(() => ctx?.close());

  const claimsOf = (token: string) =>
    JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

  it('stamps the default client into both tokens without configured clients', async () => {
    ctx = await setup();
    const pair = await ctx.sessions.issue('u1');
    expect(claimsOf(pair.accessToken).client_id).toBe('first-party');
    expect(claimsOf(pair.refreshToken).client_id).toBe('first-party');
    expect(pair.claims.client_id).toBe('first-party');
  });

  it('issues to a named client and keeps it through refresh-token rotation', async () => {
    ctx = await setup({
      clients: [{ clientId: 'web' }, { clientId: 'mobile' }],
    });
    const pair = await ctx.sessions.issue('u1', { clientId: 'mobile' });
    expect(ctx.verifier.verifyAccessToken(pair.accessToken).client_id).toBe('mobile');
    const next = await ctx.sessions.refresh(pair.refreshToken);
    expect(claimsOf(next.accessToken).client_id).toBe('mobile');
    expect(claimsOf(next.refreshToken).client_id).toBe('mobile');
    const retried = await ctx.sessions.refresh(pair.refreshToken);
    expect(retried.refreshToken).toBe(next.refreshToken);
    const fresh = await ctx.sessions.issue('u2');
    expect(claimsOf(fresh.accessToken).client_id).toBe('web');
  });

  it('refuses to issue to an unregistered client', async () => {
    ctx = await setup({ clients: [{ clientId: 'web' }] });
    await expect(ctx.sessions.issue('u1', { clientId: 'ghost' })).rejects.toThrow(/not registered/);
    const stamping = ctx.moduleRef.get(RevocationClaimsService);
    await expect(stamping.stamp('u1', {}, { clientId: 'ghost' })).rejects.toThrow(/not registered/);
  });

  it('refuses refresh (invalid_grant) to a client without the refresh_token grant', async () => {
    ctx = await setup({
      clients: [{ clientId: 'web' }, { clientId: 'batch', secretHash: SHA, grantTypes: [] }],
    });
    const pair = await ctx.sessions.issue('u1', { clientId: 'batch' });
    await expect(ctx.sessions.refresh(pair.refreshToken)).rejects.toThrow(InvalidGrantException);
    await expect(
      ctx.sessions.refresh(pair.refreshToken).catch((error: InvalidGrantException) => {
        throw error.reason;
      }),
    ).rejects.toBe('client_not_allowed');
  });

  it('refreshes a token issued before clients existed (no client_id) as the default client', async () => {
    ctx = await setup({ clients: [{ clientId: 'web' }, { clientId: 'mobile' }] });
    const pair = await ctx.sessions.issue('u1', { clientId: 'mobile' });
    const { client_id: _dropped, ...legacyClaims } = claimsOf(pair.refreshToken);
    const config = ctx.moduleRef.get(JwtRevocationConfig);
    const legacy = signJws(
      config.keys.signing,
      { alg: 'HS256', typ: REFRESH_TOKEN_TYPE },
      legacyClaims,
    );
    const next = await ctx.sessions.refresh(legacy);
    expect(claimsOf(next.accessToken).client_id).toBe('web');
  });
});
