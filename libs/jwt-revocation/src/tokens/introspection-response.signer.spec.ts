import { generateKeyPairSync, verify } from 'node:crypto';
import { setup } from '../../test/setup';
import { IntrospectionResponseSigner } from './introspection-response.signer';

describe('IntrospectionResponseSigner', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  afterEach(() => ctx?.close());

  const keys = () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { privateKey, publicKey };
  };

  it('signs an RFC 9701 JWT with the asymmetric signing key', async () => {
    const { privateKey, publicKey } = keys();
    ctx = await setup({
      secret: undefined,
      keys: [{ kid: 'k1', algorithm: 'ES256', privateKey }],
      issuer: 'https://as.example.test',
    });
    const signer = ctx.moduleRef.get(IntrospectionResponseSigner);
    expect(signer.algorithm).toBe('ES256');
    const jwt = signer.sign({ active: true, sub: 'u1' }, 'rs-1');
    const [header, payload, signature] = jwt.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'ES256',
      typ: 'token-introspection+jwt',
      kid: 'k1',
    });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({
      iss: 'https://as.example.test',
      aud: 'rs-1',
      iat: Math.floor(ctx.clock.now() / 1000),
      jti: expect.any(String),
      token_introspection: { active: true, sub: 'u1' },
    });
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    expect(valid).toBe(true);
  });

  it('cannot sign with an HS256 secret or without an issuer', async () => {
    ctx = await setup({ issuer: 'https://as.example.test' });
    const hs = ctx.moduleRef.get(IntrospectionResponseSigner);
    expect(hs.algorithm).toBeUndefined();
    expect(() => hs.sign({ active: false }, 'rs-1')).toThrow(/asymmetric/);
    await ctx.close();
    ctx = await setup({
      secret: undefined,
      keys: [{ kid: 'k1', algorithm: 'ES256', privateKey: keys().privateKey }],
    });
    expect(ctx.moduleRef.get(IntrospectionResponseSigner).algorithm).toBeUndefined();
  });
});
