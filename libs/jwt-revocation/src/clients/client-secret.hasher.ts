import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** How `hashClientSecret` stores a secret. */
export type ClientSecretAlgorithm = 'scrypt' | 'sha256';

/** scrypt cost as log2(N): N = 32768, r = 8 (32 MiB), p = 1. */
const SCRYPT_LN = 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SCRYPT_KEYLEN = 32;
const SCRYPT_MAX_LN = 20;
/** A SHA-256 hash is only as strong as the secret: refuse it for anything shorter. */
const MIN_SHA256_SECRET_LENGTH = 32;

const SHA256_HASH = /^sha256:([A-Za-z0-9_-]{43})$/;
const SCRYPT_HASH =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{43})$/;

/**
 * Hashes a client secret for `clients[].secretHash`. `scrypt` (default) suits any secret; it
 * produces a PHC string `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`. `sha256` (`sha256:<base64url>`) is
 * fast and suits only generated secrets of 32 characters or more (e.g. `openssl rand -base64 32`).
 */
export async function hashClientSecret(
  secret: string,
  algorithm: ClientSecretAlgorithm = 'scrypt',
): Promise<string> {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new Error('jwt-revocation: a client secret must be a non-empty string.');
  }
  if (algorithm === 'sha256') {
    if (secret.length < MIN_SHA256_SECRET_LENGTH) {
      throw new Error(
        `jwt-revocation: sha256 suits only generated secrets of ${MIN_SHA256_SECRET_LENGTH} characters or more; use scrypt.`,
      );
    }
    return `sha256:${sha256(secret)}`;
  }
  const salt = randomBytes(16);
  const hash = await scryptHash(secret, salt, SCRYPT_LN, SCRYPT_R, SCRYPT_P);
  return `$scrypt$ln=${SCRYPT_LN},r=${SCRYPT_R},p=${SCRYPT_P}$${b64(salt)}$${b64(hash)}`;
}

/** Whether `hash` is in a format `verifyClientSecret` reads. */
export function isClientSecretHash(hash: unknown): hash is string {
  if (typeof hash !== 'string') return false;
  if (SHA256_HASH.test(hash)) return true;
  const scryptParams = SCRYPT_HASH.exec(hash);
  return scryptParams !== null && Number(scryptParams[1]) <= SCRYPT_MAX_LN;
}

/** Whether `secret` matches `hash`, compared in constant time. False for an unreadable hash. */
export async function verifyClientSecret(hash: string, secret: string): Promise<boolean> {
  const sha = SHA256_HASH.exec(hash);
  if (sha)
    return equal(Buffer.from(sha[1], 'base64url'), createHash('sha256').update(secret).digest());
  const params = SCRYPT_HASH.exec(hash);
  if (!params || Number(params[1]) > SCRYPT_MAX_LN) return false;
  const expected = Buffer.from(params[5], 'base64');
  const actual = await scryptHash(
    secret,
    Buffer.from(params[4], 'base64'),
    Number(params[1]),
    Number(params[2]),
    Number(params[3]),
  );
  return equal(expected, actual);
}

function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function scryptHash(
  secret: string,
  salt: Buffer,
  ln: number,
  r: number,
  p: number,
): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) =>
    scrypt(
      secret.normalize('NFC'),
      salt,
      SCRYPT_KEYLEN,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
