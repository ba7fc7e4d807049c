import { createHash, createPrivateKey, createPublicKey, KeyObject, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { JwtAsymmetricKey } from 'nestjs-jwt-revocation';

/** Bytes of a generated HS256 secret, and the shortest `JWT_SECRET` accepted. */
export const MIN_SECRET_BYTES = 32;

/** Name of the generated secret in the data directory. */
export const GENERATED_SECRET_FILE = 'jwt-secret';

/** The key of an ES256, EdDSA or RS256 private key in a PEM file, with a `kid` derived from its public key. */
export function loadPrivateKeyFile(path: string): JwtAsymmetricKey {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`cannot read ${path}: ${reason}`, { cause: error });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(`${path} is not an unencrypted PEM private key`);
  }
  const publicKey = createPublicKey(privateKey);
  return {
    kid: jwkThumbprint(publicKey),
    algorithm: algorithmOf(privateKey, path),
    privateKey,
    publicKey,
  };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): a stable `kid` for a public key. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members: Record<string, string[]> = {
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    RSA: ['e', 'kty', 'n'],
  };
  const names = members[jwk.kty ?? ''];
  if (!names) throw new Error(`unsupported key type ${String(jwk.kty)}`);
  const canonical = `{${names.map((n) => `"${n}":"${String(jwk[n as keyof typeof jwk])}"`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The HS256 secret kept in `dataDir`, created on first use (mode 0600). Creation is atomic, so
 * instances starting together end up with the same secret.
 */
export function loadOrCreateSecret(dataDir: string): {
  secret: Buffer;
  path: string;
  created: boolean;
} {
  const path = join(dataDir, GENERATED_SECRET_FILE);
  let created = false;
  if (!existsSync(path)) {
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${randomBytes(MIN_SECRET_BYTES).toString('base64url')}\n`, {
      mode: 0o600,
    });
    try {
      linkSync(temp, path);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temp);
    }
  }
  const secret = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  if (secret.length < MIN_SECRET_BYTES) {
    throw new Error(
      `${path} does not hold a ${MIN_SECRET_BYTES}-byte secret; delete it to generate a new one`,
    );
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return { secret, path, created };
}

function algorithmOf(key: KeyObject, path: string): JwtAsymmetricKey['algorithm'] {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) return 'RS256';
  const curve = details.namedCurve ? ` (${details.namedCurve})` : '';
  throw new Error(
    `${path} holds a ${key.asymmetricKeyType ?? 'unknown'}${curve} key; use a P-256 key (ES256) or an Ed25519 key (EdDSA)`,
  );
}
