import { generateKeyPairSync } from 'node:crypto';
import { KeyRing } from './key-ring';

describe('KeyRing', () => {
  it('refuses an HS256 secret under 32 bytes', () => {
    expect(() => KeyRing.fromSecret('x'.repeat(31))).toThrow(/at least 32 bytes/);
    expect(() => KeyRing.fromSecret('é'.repeat(16))).not.toThrow();
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
