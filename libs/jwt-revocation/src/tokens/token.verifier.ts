import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { InvalidTokenException, InvalidTokenReason } from '../jwt-revocation.exceptions';
import type { RingKey } from './key-ring';
import { verifyJws } from './jws';
import {
  ACCESS_TOKEN_TYPE,
  AccessTokenClaims,
  REFRESH_TOKEN_TYPE,
  RefreshTokenClaims,
  TokenKind,
} from './token.claims';
import { VerifiedTokenCache } from './verified-token.cache';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_ID_LENGTH = 255;
const FORBIDDEN_HEADERS = ['crit', 'jku', 'jwk', 'x5u', 'x5c', 'b64', 'zip', 'enc'];
const HEADER_CACHE_LIMIT = 64;
/** 9999-12-31T23:59:59Z: any later NumericDate is an attack or a bug, never a real expiry. */
const MAX_NUMERIC_DATE = 253_402_300_799;
/** Invalid UTF-8 is refused, not replaced; a byte-order mark is kept so that JSON.parse refuses it. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/**
 * Last characters a canonical base64url segment may end with: when its length is 2 or 3 mod 4 the
 * unused low bits of the last character must be zero, otherwise several strings decode to the same
 * bytes (a signature or header that is not the one signed).
 */
const CANONICAL_LAST: Record<number, string> = { 2: 'AQgw', 3: 'AEIMQUYcgkosw048' };

const TYPE_OF: Record<TokenKind, string> = {
  access: ACCESS_TOKEN_TYPE,
  refresh: REFRESH_TOKEN_TYPE,
};

/**
 * Verifies compact JWTs per RFC 8725: size limit before any parsing, canonical base64url and strict
 * UTF-8 JSON segments, a fixed algorithm allowlist bound to each key, explicit `typ`, no `crit` or
 * embedded keys, required `exp`/`iat`/`jti`/`sub`/`sid`, `nbf`/`iat` within the clock tolerance,
 * `exp - iat` no longer than the configured lifetime of its kind, and `iss`/`aud` when configured.
 *
 * Verified access tokens are remembered by their exact string (`verifiedTokenCache`): a repeated
 * token skips the signature and parsing, while its times are checked against the clock again.
 */
@Injectable()
export class TokenVerifier {
  private readonly headerCache = new Map<string, { kind: TokenKind; key: RingKey }>();
  private readonly verified: VerifiedTokenCache;

  constructor(
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    const { maxEntries, maxBytes } = config.verifiedTokenCache;
    this.verified = new VerifiedTokenCache(maxEntries, maxBytes);
    config.keys.onRetired((key) => {
      this.headerCache.clear();
      this.verified.deleteKey(key);
    });
  }

  /**
   * Verifies an access token and returns its claims (frozen: requests with the same token share
   * them), or throws `InvalidTokenException`.
   */
  verifyAccessToken(token: unknown): AccessTokenClaims {
    if (typeof token === 'string') {
      const hit = this.verified.get(token);
      if (hit) {
        const c = hit.claims;
        try {
          this.checkTimes(c.exp, c.iat, c.nbf, 'access', this.clock.now());
        } catch (error) {
          this.verified.delete(token);
          throw error;
        }
        return c;
      }
    }
    const { claims, key, parts } = this.verifyParts(token, 'access');
    const access = claims as AccessTokenClaims;
    if (access.roles === undefined) access.roles = [];
    if (!Array.isArray(access.roles) || !access.roles.every((r) => typeof r === 'string')) {
      throw this.fail('access', 'missing_claim', 'roles must be an array of strings');
    }
    deepFreeze(access);
    this.verified.set(token as string, access, key, parts[1].length);
    return access;
  }

  /** Verified access tokens held, and their estimated bytes. */
  get cacheSize(): { entries: number; bytes: number } {
    return { entries: this.verified.size, bytes: this.verified.bytes };
  }

  /** Verifies a refresh token and returns its claims, or throws `InvalidTokenException`. */
  verifyRefreshToken(token: unknown): RefreshTokenClaims {
    return this.verify(token, 'refresh');
  }

  /** Verifies either kind, reporting which one it was. */
  verifyAny(token: unknown): { kind: TokenKind; claims: AccessTokenClaims | RefreshTokenClaims } {
    const { kind } = this.inspectHeader(token);
    return {
      kind,
      claims: kind === 'access' ? this.verifyAccessToken(token) : this.verifyRefreshToken(token),
    };
  }

  private verify(token: unknown, expected: TokenKind): RefreshTokenClaims {
    return this.verifyParts(token, expected).claims;
  }

  private verifyParts(
    token: unknown,
    expected: TokenKind,
  ): { claims: RefreshTokenClaims; key: RingKey; parts: string[] } {
    const { kind, key, parts } = this.inspectHeader(token, expected);
    if (kind !== expected)
      throw this.fail(
        expected,
        'wrong_type',
        `expected ${expected === 'access' ? 'an' : 'a'} ${expected} token`,
      );
    if (!isCanonicalSegment(parts[2]) || !verifyJws(key, `${parts[0]}.${parts[1]}`, parts[2])) {
      throw this.fail(expected, 'bad_signature', 'signature verification failed');
    }
    const payload = this.parseSegment(parts[1], expected);
    return { claims: this.checkClaims(payload, expected), key, parts };
  }

  private inspectHeader(
    token: unknown,
    expected: TokenKind = 'access',
  ): { kind: TokenKind; key: RingKey; parts: string[] } {
    if (typeof token !== 'string' || token.length === 0)
      throw this.fail(expected, 'malformed', 'token is not a JWT');
    if (token.length > this.config.maxTokenLength)
      throw this.fail(expected, 'too_large', 'token is too large');
    if (!COMPACT_JWS.test(token))
      throw this.fail(expected, 'malformed', 'token is not a compact JWS');
    const parts = token.split('.');
    const cached = this.headerCache.get(parts[0]);
    if (cached) return { ...cached, parts };
    const header = this.parseSegment(parts[0], expected);
    for (const name of FORBIDDEN_HEADERS) {
      if (name in header)
        throw this.fail(
          expected,
          'unsupported_header',
          `header parameter "${name}" is not accepted`,
        );
    }
    const kind = tokenKindOf(header.typ);
    if (!kind) throw this.fail(expected, 'wrong_type', 'unexpected typ header');
    const key = this.config.keys.find(header.kid, header.alg);
    if (!key) throw this.fail(expected, 'unknown_key', 'unknown key or algorithm');
    if (this.headerCache.size >= HEADER_CACHE_LIMIT) this.headerCache.clear();
    this.headerCache.set(parts[0], { kind, key });
    return { kind, key, parts };
  }

  private checkClaims(c: Record<string, unknown>, kind: TokenKind): RefreshTokenClaims {
    for (const name of ['sub', 'jti', 'sid'] as const) {
      const v = c[name];
      if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) {
        throw this.fail(kind, 'missing_claim', `${name} is required`);
      }
    }
    for (const name of ['exp', 'iat'] as const) {
      if (!isNumericDate(c[name]))
        throw this.fail(kind, 'missing_claim', `${name} is required (a NumericDate)`);
    }
    this.checkTimes(c.exp as number, c.iat as number, c.nbf, kind, this.clock.now());
    for (const name of ['uv', 'gv', 'cv'] as const) {
      if (c[name] === undefined) {
        // Without `cv`, claims changes judge the token by its `iat`.
        if (name !== 'cv') c[name] = 0;
      } else if (!Number.isSafeInteger(c[name]) || (c[name] as number) < 0) {
        throw this.fail(kind, 'malformed', `${name} must be a non-negative integer`);
      }
    }
    const { issuer, audience } = this.config;
    if (issuer !== undefined && c.iss !== issuer)
      throw this.fail(kind, 'wrong_issuer', 'unexpected issuer');
    if (audience !== undefined) {
      const aud = c.aud;
      const ok = aud === audience || (Array.isArray(aud) && aud.includes(audience));
      if (!ok) throw this.fail(kind, 'wrong_audience', 'unexpected audience');
    }
    return c as unknown as RefreshTokenClaims;
  }

  /**
   * `exp`, `iat`, the lifetime bound and `nbf` against `now`: run on every verification, of a
   * cached token too, so the cache never changes a verdict that depends on time.
   */
  private checkTimes(exp: number, iat: number, nbf: unknown, kind: TokenKind, now: number): void {
    const tolerance = this.config.clockToleranceMs;
    if (exp * 1000 + tolerance <= now) throw this.fail(kind, 'expired', 'token has expired');
    if (iat * 1000 - tolerance > now)
      throw this.fail(kind, 'issued_in_future', 'iat is in the future');
    const maxLifetimeMs =
      kind === 'access' ? this.config.accessTokenTtlMs : this.config.refreshTokenTtlMs;
    if (exp < iat || (exp - iat) * 1000 > maxLifetimeMs + tolerance) {
      throw this.fail(kind, 'lifetime_exceeded', 'exp - iat exceeds the configured lifetime');
    }
    if (nbf !== undefined) {
      if (!isNumericDate(nbf)) throw this.fail(kind, 'malformed', 'nbf must be a NumericDate');
      if ((nbf as number) * 1000 - tolerance > now)
        throw this.fail(kind, 'not_yet_valid', 'token is not yet valid');
    }
  }

  /** A header or payload segment: canonical base64url, strict UTF-8, one JSON object. */
  private parseSegment(segment: string, kind: TokenKind): Record<string, unknown> {
    let value: unknown;
    try {
      if (!isCanonicalSegment(segment)) throw new Error('not canonical base64url');
      value = JSON.parse(UTF8.decode(Buffer.from(segment, 'base64url')));
    } catch {
      throw this.fail(kind, 'malformed', 'token segment is not base64url-encoded UTF-8 JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.fail(kind, 'malformed', 'token segment is not a JSON object');
    }
    return value as Record<string, unknown>;
  }

  /**
   * The exception for a refused token. Its description names the detail only with
   * `errorDetail: 'verbose'`; otherwise it says only what a client can act on: expired (refresh
   * or log in again) or invalid.
   */
  private fail(kind: TokenKind, reason: InvalidTokenReason, detail: string): InvalidTokenException {
    const subject = `The ${kind} token`;
    const description =
      this.config.errorDetail === 'verbose'
        ? `${subject} is invalid: ${detail}`
        : reason === 'expired' && this.config.errorDetail === 'actionable'
          ? `${subject} has expired`
          : `${subject} is invalid`;
    return new InvalidTokenException(reason, description);
  }
}

function tokenKindOf(typ: unknown): TokenKind | undefined {
  if (typeof typ !== 'string') return undefined;
  const t = typ.toLowerCase().replace(/^application\//, '');
  return t === TYPE_OF.access ? 'access' : t === TYPE_OF.refresh ? 'refresh' : undefined;
}

/** Unpadded base64url (RFC 7515 §2) whose last character carries no stray bits. */
function isCanonicalSegment(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  return CANONICAL_LAST[rest].includes(segment[segment.length - 1]);
}

function isNumericDate(v: unknown): boolean {
  return typeof v === 'number' && v >= 0 && v <= MAX_NUMERIC_DATE;
}

/** Freezes the claims and the arrays and objects they hold (`roles`, `aud`, custom claims). */
function deepFreeze(value: object): void {
  Object.freeze(value);
  for (const inner of Object.values(value)) {
    if (typeof inner === 'object' && inner !== null && !Object.isFrozen(inner)) deepFreeze(inner);
  }
}
