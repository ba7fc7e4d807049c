import { setup } from '../../test/setup';
import {
  InvalidTokenException,
  RevocationUnavailableException,
  TokenRevokedException,
} from '../jwt-revocation.exceptions';
import { RevocationClaimsService } from './revocation-claims.service';

describe('RevocationClaimsService and assertPayloadNotRevoked', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  afterEach(() => ctx?.close());

  const iat = () => Math.floor(ctx.clock.now() / 1000);

  it('stamps a payload, opens a listed session, and closes it', async () => {
    ctx = await setup();
    const claims = ctx.moduleRef.get(RevocationClaimsService);
    const payload = await claims.stamp(7, { username: 'john', sub: 'ignored' }, { ip: '10.0.0.9' });
    expect(payload).toEqual({
      username: 'john',
      sub: 7,
      jti: expect.any(String),
      sid: expect.any(String),
      uv: 0,
      gv: 0,
      client_id: 'first-party',
    });
    const [session] = await ctx.sessions.list('7');
    expect(session).toEqual(expect.objectContaining({ id: payload.sid, ip: '10.0.0.9' }));
    const next = claims.stampSession(7, payload, { username: 'john' });
    expect(next).toEqual({ ...payload, jti: expect.any(String) });
    expect(next.jti).not.toBe(payload.jti);

    ctx.revocations.assertPayloadNotRevoked({ ...next, iat: iat() });
    await claims.closeSession(payload.sid);
    expect(() => ctx.revocations.assertPayloadNotRevoked({ ...next, iat: iat() })).toThrow(
      TokenRevokedException,
    );
    expect(await ctx.sessions.list('7')).toEqual([]);
  });

  it('judges stamped payloads by version: a login right after a user-wide revocation works', async () => {
    ctx = await setup();
    const claims = ctx.moduleRef.get(RevocationClaimsService);
    const before = await claims.stamp('u1');
    await ctx.revocations.revokeUser('u1', { reason: 'password_change' });
    const after = await claims.stamp('u1');
    expect(after.uv).toBe(1);
    expect(() => ctx.revocations.assertPayloadNotRevoked({ ...before, iat: iat() })).toThrow(
      TokenRevokedException,
    );
    ctx.revocations.assertPayloadNotRevoked({ ...after, iat: iat() });
    // Unstamped, the same second as the revocation: refused, conservatively.
    expect(() => ctx.revocations.assertPayloadNotRevoked({ sub: 'u1', iat: iat() })).toThrow(
      TokenRevokedException,
    );
    ctx.clock.advance(1000);
    ctx.revocations.assertPayloadNotRevoked({ sub: 'u1', iat: iat() });
  });

  it('refuses payloads without a usable sub or with mistyped revocation claims', async () => {
    ctx = await setup();
    for (const payload of [
      null,
      'x',
      {},
      { sub: '' },
      { sub: {} },
      { sub: 'u1', iat: '1' },
      { sub: 'u1', sid: 5 },
      { sub: 'u1', uv: 'x', gv: 0 },
      { sub: 'u1', gv: Number.NaN },
    ]) {
      expect(() => ctx.revocations.assertPayloadNotRevoked(payload)).toThrow(InvalidTokenException);
    }
    ctx.revocations.assertPayloadNotRevoked({ sub: 42 });
  });

  it('answers 503 while revocations cannot be checked, unless the failure mode is open', async () => {
    ctx = await setup({ pollInterval: 1, maxStaleness: 2 });
    ctx.clock.advance(10_000);
    expect(() => ctx.revocations.assertPayloadNotRevoked({ sub: 'u1', iat: iat() })).toThrow(
      RevocationUnavailableException,
    );
    await ctx.close();
    ctx = await setup({ pollInterval: 1, maxStaleness: 2, failureMode: 'open' });
    ctx.clock.advance(10_000);
    ctx.revocations.assertPayloadNotRevoked({ sub: 'u1', iat: iat() });
  });
});
