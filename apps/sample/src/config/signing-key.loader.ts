import { createHash, createPrivateKey, createPublicKey, KeyObject, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  readdirSync,
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

/** A `kid` taken from a file name: what the JOSE header and the JWKS can carry without escaping. */
const KID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

/** The keys of `JWT_KEYS_DIR` and the `kid` of the one that signs. */
export interface KeysDirectory {
  keys: JwtAsymmetricKey[];
  signingKid: string;
}

/**
 * Every `<kid>.pem` in `dir` (other files are ignored): a private key verifies and can sign, a
 * public key only verifies (a key being retired). `signingKid` names the signing key; it may be
 * omitted only when exactly one private key is present.
 */
export function loadKeysDirectory(dir: string, signingKid?: string): KeysDirectory {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.pem') && !name.startsWith('.'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`cannot read the directory ${dir}: ${reason}`, { cause: error });
  }
  const keys = names.sort().map((name) => loadNamedKey(join(dir, name), name.slice(0, -4)));
  if (keys.length === 0) throw new Error(`${dir} holds no <kid>.pem key file`);
  const signers = keys.filter((key) => key.privateKey !== undefined);
  if (signingKid === undefined) {
    if (signers.length !== 1) {
      throw new Error(
        `${dir} holds ${signers.length} private keys (${signers.map((k) => k.kid).join(', ') || 'none'}): ` +
          'set JWT_SIGNING_KID to the one that signs',
      );
    }
    return { keys, signingKid: signers[0].kid };
  }
  const signing = keys.find((key) => key.kid === signingKid);
  if (!signing) {
    throw new Error(
      `JWT_SIGNING_KID ${JSON.stringify(signingKid)} is not in ${dir} (found ${keys.map((k) => k.kid).join(', ')})`,
    );
  }
  if (!signing.privateKey) {
    throw new Error(`JWT_SIGNING_KID ${signingKid}: ${signing.kid}.pem holds only a public key`);
  }
  return { keys, signingKid };
}

function loadNamedKey(path: string, kid: string): JwtAsymmetricKey {
  if (!KID.test(kid)) {
    throw new Error(
      `${path}: the file name is the kid and must be 1-64 letters, digits, '.', '_' or '-'`,
    );
  }
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`cannot read ${path}: ${reason}`, { cause: error });
  }
  let privateKey: KeyObject | undefined;
  let publicKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
    publicKey = createPublicKey(privateKey);
  } catch {
    try {
      publicKey = createPublicKey(pem);
    } catch {
      throw new Error(`${path} is not an unencrypted PEM private or public key`);
    }
    if (publicKey.type !== 'public') throw new Error(`${path} is not an asymmetric key`);
  }
  return { kid, algorithm: algorithmOf(publicKey, path), privateKey, publicKey };
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
