import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, sampleMatrix, SampleTestApp } from './support/sample-app';

const sqliteOnly = sampleMatrix().filter(([kind]) => kind === 'sqlite');

const keys = {
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
  EdDSA: () => generateKeyPairSync('ed25519').privateKey,
};

describe.each(sqliteOnly)('sample with JWT_PRIVATE_KEY_FILE on %s with %s', (kind, adapter) => {
  describe.each(Object.keys(keys) as (keyof typeof keys)[])('%s', (algorithm) => {
    let t: SampleTestApp;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sample-key-'));
      const file = join(dir, 'signing.pem');
      writeFileSync(file, keys[algorithm]().export({ format: 'pem', type: 'pkcs8' }), {
        mode: 0o600,
      });
      t = await SampleTestApp.start(kind, adapter, { JWT_SECRET: '', JWT_PRIVATE_KEY_FILE: file });
    });
    afterAll(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('signs with the key it publishes at /.well-known/jwks.json', async () => {
      const jwks = await t.http.get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys).toHaveLength(1);
      const jwk = jwks.body.keys[0];
      expect(jwk).toMatchObject({
        alg: algorithm,
        use: 'sig',
        kid: expect.stringMatching(/^[\w-]{43}$/),
      });
      expect(jwk).not.toHaveProperty('d');

      const { user, tokens } = await t.signUp();
      const [header, payload, signature] = tokens.access_token.split('.');
      expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({
        alg: algorithm,
        kid: jwk.kid,
        typ: 'at+jwt',
      });
      const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
      const valid = verify(
        algorithm === 'ES256' ? 'sha256' : null,
        Buffer.from(`${header}.${payload}`),
        algorithm === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey,
        Buffer.from(signature, 'base64url'),
      );
      expect(valid).toBe(true);
      const me = await t.http.get('/me').set(bearer(tokens.access_token)).expect(200);
      expect(me.body.id).toBe(user.id);
    });
  });
});
