import { createPrivateKey, createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { JwtAlgorithm, JwtAsymmetricKey } from '../jwt-revocation.options';
import { SECRET_ADVICE, weakSecretReason } from './secret-strength';

/** A key of the ring, ready for signing and verifying. */
export interface RingKey {
  kid?: string;
  alg: JwtAlgorithm;
  verifyKey: KeyObject;
  signKey?: KeyObject;
}

const MIN_HS256_BYTES = 32;
const MIN_RSA_BITS = 2048;

/** The configured keys, indexed by `kid`, with one signing key. Built at startup; keys may be retired. */
export class KeyRing {
  readonly signing: RingKey;
  private readonly byKid = new Map<string, RingKey>();
  private readonly unnamed?: RingKey;
  private retiredListeners: ((key: RingKey) => void)[] = [];

  constructor(keys: RingKey[], signingKid?: string) {
    if (keys.length === 0) throw new Error('jwt-revocation: configure `secret` or `keys`.');
    for (const key of keys) {
      if (key.kid === undefined) {
        this.unnamed = key;
      } else {
        if (this.byKid.has(key.kid)) throw new Error(`jwt-revocation: duplicate kid "${key.kid}".`);
        this.byKid.set(key.kid, key);
      }
    }
    const signing = signingKid
      ? this.byKid.get(signingKid)
      : keys.find((key) => key.signKey !== undefined);
    if (!signing) {
      throw new Error(
        signingKid
          ? `jwt-revocation: signingKid "${signingKid}" is not in keys.`
          : 'jwt-revocation: no key has a private key to sign with.',
      );
    }
    if (!signing.signKey)
      throw new Error(`jwt-revocation: key "${signing.kid}" has no private key.`);
    this.signing = signing;
  }

  /** The verification key a token header names, or undefined when none matches. */
  find(kid: unknown, alg: unknown): RingKey | undefined {
    const key =
      kid === undefined ? this.unnamed : typeof kid === 'string' ? this.byKid.get(kid) : undefined;
    return key && key.alg === alg ? key : undefined;
  }

  /**
   * Takes a verification key out of the ring (after a rotation, or when it leaked): tokens it
   * signed are refused from then on, including any a cache had already verified. The signing key
   * cannot be retired. Returns false when no key has that `kid`.
   */
  retire(kid: string): boolean {
    const key = this.byKid.get(kid);
    if (!key) return false;
    if (key === this.signing) throw new Error(`jwt-revocation: key "${kid}" signs new tokens.`);
    this.byKid.delete(kid);
    for (const listener of this.retiredListeners) listener(key);
    return true;
  }

  /** Calls `listener` with each key retired from now on; returns the unsubscribe function. */
  onRetired(listener: (key: RingKey) => void): () => void {
    this.retiredListeners = [...this.retiredListeners, listener];
    return () => (this.retiredListeners = this.retiredListeners.filter((l) => l !== listener));
  }

  /** Public keys as a JWK Set (RFC 7517), for `/.well-known/jwks.json`. Empty for HS256. */
  toJwks(): { keys: Record<string, unknown>[] } {
    const keys: Record<string, unknown>[] = [];
    for (const key of this.byKid.values()) {
      if (key.alg === 'HS256') continue;
      const jwk = key.verifyKey.export({ format: 'jwk' }) as Record<string, unknown>;
      keys.push({ ...jwk, kid: key.kid, alg: key.alg, use: 'sig' });
    }
    return { keys };
  }

  static fromSecret(secret: string | Buffer | KeyObject): KeyRing {
    const key =
      secret instanceof KeyObject
        ? secret
        : createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
    if (key.type !== 'secret') throw new Error('jwt-revocation: `secret` must be a secret key.');
    if ((key.symmetricKeySize ?? 0) < MIN_HS256_BYTES) {
      throw new Error(
        `jwt-revocation: the HS256 secret must be at least ${MIN_HS256_BYTES} bytes; ${SECRET_ADVICE}.`,
      );
    }
    const weakness = weakSecretReason(key.export());
    if (weakness) {
      throw new Error(`jwt-revocation: the HS256 secret is weak: ${weakness}; ${SECRET_ADVICE}.`);
    }
    return new KeyRing([{ alg: 'HS256', verifyKey: key, signKey: key }]);
  }

  static fromAsymmetric(keys: JwtAsymmetricKey[], signingKid?: string): KeyRing {
    return new KeyRing(keys.map(toRingKey), signingKid);
  }
}

function toRingKey(config: JwtAsymmetricKey): RingKey {
  if (!config.kid) throw new Error('jwt-revocation: every asymmetric key needs a kid.');
  const signKey =
    config.privateKey === undefined
      ? undefined
      : config.privateKey instanceof KeyObject
        ? config.privateKey
        : createPrivateKey(config.privateKey);
  const verifyKey =
    config.publicKey === undefined
      ? signKey && createPublicKey(signKey)
      : config.publicKey instanceof KeyObject
        ? config.publicKey
        : createPublicKey(config.publicKey);
  if (!verifyKey)
    throw new Error(`jwt-revocation: key "${config.kid}" needs a public or private key.`);
  if (signKey && signKey.type !== 'private') {
    throw new Error(`jwt-revocation: privateKey of "${config.kid}" is not a private key.`);
  }
  if (verifyKey.type !== 'public') {
    throw new Error(
      `jwt-revocation: key "${config.kid}" must be asymmetric (use \`secret\` for HS256).`,
    );
  }
  assertKeyFitsAlgorithm(config.kid, config.algorithm, verifyKey);
  return { kid: config.kid, alg: config.algorithm, verifyKey, signKey };
}

function assertKeyFitsAlgorithm(kid: string, alg: JwtAlgorithm, key: KeyObject): void {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const ok =
    (alg === 'ES256' && type === 'ec' && details.namedCurve === 'prime256v1') ||
    (alg === 'EdDSA' && type === 'ed25519') ||
    (alg === 'RS256' && type === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS);
  if (!ok) {
    throw new Error(
      `jwt-revocation: key "${kid}" does not fit ${alg} (ES256 needs P-256, EdDSA Ed25519, RS256 RSA >= ${MIN_RSA_BITS} bits).`,
    );
  }
}
