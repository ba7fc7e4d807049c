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

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_ID_LENGTH = 255;
const FORBIDDEN_HEADERS = ['crit', 'jku', 'jwk', 'x5u', 'x5c', 'b64', 'zip', 'enc'];
const HEADER_CACHE_LIMIT = 64;

const TYPE_OF: Record<TokenKind, string> = {
  access: ACCESS_TOKEN_TYPE,
  refresh: REFRESH_TOKEN_TYPE,
};

/**
 * Verifies compact JWTs per RFC 8725: size limit before any parsing, a fixed algorithm allowlist
 * bound to each key, explicit `typ`, no `crit` or embedded keys, required `exp`/`iat`/`jti`/`sub`/`sid`,
 * `nbf`/`iat` within the clock tolerance, and `iss`/`aud` when configured.
 */
@Injectable()
export class TokenVerifier {
  private readonly headerCache = new Map<string, { kind: TokenKind; key: RingKey }>();

  constructor(
    @Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Verifies an access token and returns its claims, or throws `InvalidTokenException`. */
  verifyAccessToken(token: unknown): AccessTokenClaims {
    const claims = this.verify(token, 'access') as AccessTokenClaims;
    if (claims.roles === undefined) claims.roles = [];
    if (!Array.isArray(claims.roles) || !claims.roles.every((r) => typeof r === 'string')) {
      throw fail('missing_claim', 'roles must be an array of strings');
    }
    return claims;
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
    const { kind, key, parts } = this.inspectHeader(token);
    if (kind !== expected) throw fail('wrong_type', `expected an ${expected} token`);
    if (!verifyJws(key, `${parts[0]}.${parts[1]}`, parts[2])) {
      throw fail('bad_signature', 'signature verification failed');
    }
    const payload = parseJsonObject(parts[1]);
    return this.checkClaims(payload);
  }

  private inspectHeader(token: unknown): { kind: TokenKind; key: RingKey; parts: string[] } {
    if (typeof token !== 'string' || token.length === 0)
      throw fail('malformed', 'token is not a JWT');
    if (token.length > this.config.maxTokenLength) throw fail('too_large', 'token is too large');
    if (!COMPACT_JWS.test(token)) throw fail('malformed', 'token is not a compact JWS');
    const parts = token.split('.');
    const cached = this.headerCache.get(parts[0]);
    if (cached) return { ...cached, parts };
    const header = parseJsonObject(parts[0]);
    for (const name of FORBIDDEN_HEADERS) {
      if (name in header)
        throw fail('unsupported_header', `header parameter "${name}" is not accepted`);
    }
    const kind = tokenKindOf(header.typ);
    if (!kind) throw fail('wrong_type', 'unexpected typ header');
    const key = this.config.keys.find(header.kid, header.alg);
    if (!key) throw fail('unknown_key', 'unknown key or algorithm');
    if (this.headerCache.size >= HEADER_CACHE_LIMIT) this.headerCache.clear();
    this.headerCache.set(parts[0], { kind, key });
    return { kind, key, parts };
  }

  private checkClaims(c: Record<string, unknown>): RefreshTokenClaims {
    for (const name of ['sub', 'jti', 'sid'] as const) {
      const v = c[name];
      if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) {
        throw fail('missing_claim', `${name} is required`);
      }
    }
    for (const name of ['exp', 'iat'] as const) {
      if (!isNumericDate(c[name])) throw fail('missing_claim', `${name} is required`);
    }
    const now = this.clock.now();
    const tolerance = this.config.clockToleranceMs;
    if ((c.exp as number) * 1000 + tolerance <= now) throw fail('expired', 'token has expired');
    if ((c.iat as number) * 1000 - tolerance > now)
      throw fail('issued_in_future', 'iat is in the future');
    if (c.nbf !== undefined) {
      if (!isNumericDate(c.nbf)) throw fail('malformed', 'nbf must be a number');
      if ((c.nbf as number) * 1000 - tolerance > now)
        throw fail('not_yet_valid', 'token is not yet valid');
    }
    for (const name of ['uv', 'gv'] as const) {
      if (c[name] === undefined) c[name] = 0;
      else if (!Number.isSafeInteger(c[name]) || (c[name] as number) < 0) {
        throw fail('malformed', `${name} must be a non-negative integer`);
      }
    }
    const { issuer, audience } = this.config;
    if (issuer !== undefined && c.iss !== issuer) throw fail('wrong_issuer', 'unexpected issuer');
    if (audience !== undefined) {
      const aud = c.aud;
      const ok = aud === audience || (Array.isArray(aud) && aud.includes(audience));
      if (!ok) throw fail('wrong_audience', 'unexpected audience');
    }
    return c as unknown as RefreshTokenClaims;
  }
}

function tokenKindOf(typ: unknown): TokenKind | undefined {
  if (typeof typ !== 'string') return undefined;
  const t = typ.toLowerCase().replace(/^application\//, '');
  return t === TYPE_OF.access ? 'access' : t === TYPE_OF.refresh ? 'refresh' : undefined;
}

function parseJsonObject(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw fail('malformed', 'token segment is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail('malformed', 'token segment is not a JSON object');
  }
  return value as Record<string, unknown>;
}

function isNumericDate(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function fail(reason: InvalidTokenReason, description: string): InvalidTokenException {
  return new InvalidTokenException(reason, `The token is invalid: ${description}`);
}
