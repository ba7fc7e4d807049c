import { createHmac, sign, timingSafeEqual, verify } from 'node:crypto';
import type { RingKey } from './key-ring';

/** Compact JWS signing and verification on `node:crypto` KeyObjects (RFC 7515/7518, RFC 8037). */
export function signJws(key: RingKey, header: Record<string, unknown>, payload: object): string {
  if (!key.signKey) throw new Error(`jwt-revocation: key ${key.kid ?? ''} cannot sign.`);
  const input =
    Buffer.from(JSON.stringify(header)).toString('base64url') +
    '.' +
    Buffer.from(JSON.stringify(payload)).toString('base64url');
  const data = Buffer.from(input);
  let signature: Buffer;
  switch (key.alg) {
    case 'HS256':
      signature = createHmac('sha256', key.signKey).update(data).digest();
      break;
    case 'ES256':
      signature = sign('sha256', data, { key: key.signKey, dsaEncoding: 'ieee-p1363' });
      break;
    case 'EdDSA':
      signature = sign(null, data, key.signKey);
      break;
    case 'RS256':
      signature = sign('sha256', data, key.signKey);
      break;
  }
  return `${input}.${signature.toString('base64url')}`;
}

/** Checks the signature of `signingInput` (header.payload) with the key the header named. */
export function verifyJws(key: RingKey, signingInput: string, encodedSignature: string): boolean {
  const signature = Buffer.from(encodedSignature, 'base64url');
  const data = Buffer.from(signingInput);
  switch (key.alg) {
    case 'HS256': {
      const expected = createHmac('sha256', key.verifyKey).update(data).digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    }
    case 'ES256':
      return (
        signature.length === 64 &&
        verify('sha256', data, { key: key.verifyKey, dsaEncoding: 'ieee-p1363' }, signature)
      );
    case 'EdDSA':
      return signature.length === 64 && verify(null, data, key.verifyKey, signature);
    case 'RS256':
      return verify('sha256', data, key.verifyKey, signature);
  }
}
