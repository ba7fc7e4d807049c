import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { KeyRing } from './key-ring';

describe('KeyRing', () => {
  it('refuses an HS256 secret under 32 bytes', () => {
    expect(() => KeyRing.fromSecret('x'.repeat(31))).toThrow(/at least 32 bytes/);
    expect(() => KeyRing.fromSecret('ÄÖÜäöüéèêàçñßøåæ')).not.toThrow();
  });

  it.each([
    ['a single byte repeated', 'a'.repeat(32), /only 1 distinct bytes/],
    ['two-byte characters repeated', 'é'.repeat(16), /only 2 distinct bytes/],
    ['"secret" six times', 'secret'.repeat(6), /only 5 distinct bytes/],
    ['a short pattern repeated', 'qwertyuiop12'.repeat(3), /repeats a pattern of 12 bytes/],
    ['a longer pattern repeated', 'abcdefghijklm'.repeat(3), /repeats a pattern of 13 bytes/],
    ['the jwt.io example', 'your-256-bit-secret-your-256-bit', /well-known example/],
    ['example secrets glued', 'SuperSecret-ChangeMe-JWT_SECRET-2024', /well-known example/],
    ['a Buffer of zeros', Buffer.alloc(64), /only 1 distinct bytes/],
  ])('refuses a weak secret: %s, saying why and how to make one', (_name, secret, why) => {
    const error = (() => {
      try {
        KeyRing.fromSecret(secret);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    })();
    expect(error).toMatch(why);
    expect(error).toContain('openssl rand -base64 48');
    expect(error).toContain("randomBytes(48).toString('base64url')");
  });

  it('accepts random secrets in every usual encoding', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(32);
      for (const secret of [
        bytes,
        bytes.toString('hex'),
        bytes.toString('base64'),
        bytes.toString('base64url'),
      ]) {
        expect(() => KeyRing.fromSecret(secret)).not.toThrow();
      }
    }
    expect(() => KeyRing.fromSecret('passport-secret-at-least-32-bytes!!')).not.toThrow();
  });

  it('refuses keys that do not fit their algorithm', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() =>
      KeyRing.fromAsymmetric([{ kid: 'a', algorithm: 'ES256', privateKey: p384.privateKey }]),
    ).toThrow(/does not fit ES256/);
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() =>
      KeyRing.fromAsymmetric([{ kid: 'a', algorithm: 'RS256', privateKey: rsa1024.privateKey }]),
    ).toThrow(/does not fit RS256/);
    const ed = generateKeyPairSync('ed25519');
    expect(() =>
      KeyRing.fromAsymmetric([{ kid: 'a', algorithm: 'ES256', privateKey: ed.privateKey }]),
    ).toThrow();
  });

  it('needs a kid, unique kids, and a key to sign with', () => {
    const ed = generateKeyPairSync('ed25519');
    expect(() =>
      KeyRing.fromAsymmetric([{ kid: '', algorithm: 'EdDSA', privateKey: ed.privateKey }]),
    ).toThrow(/kid/);
    expect(() =>
      KeyRing.fromAsymmetric([
        { kid: 'a', algorithm: 'EdDSA', privateKey: ed.privateKey },
        { kid: 'a', algorithm: 'EdDSA', publicKey: ed.publicKey },
      ]),
    ).toThrow(/duplicate/);
    expect(() =>
      KeyRing.fromAsymmetric([{ kid: 'a', algorithm: 'EdDSA', publicKey: ed.publicKey }]),
    ).toThrow(/no key/);
    expect(() => KeyRing.fromAsymmetric([])).toThrow(/configure/);
  });

  it('accepts PEM strings and publishes public keys only', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ring = KeyRing.fromAsymmetric([
      {
        kid: 'k1',
        algorithm: 'ES256',
        privateKey: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    ]);
    const [jwk] = ring.toJwks().keys;
    expect(jwk).toEqual(
      expect.objectContaining({ kid: 'k1', alg: 'ES256', kty: 'EC', crv: 'P-256', use: 'sig' }),
    );
    expect(jwk).not.toHaveProperty('d');
  });
});
