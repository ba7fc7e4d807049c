import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import type { SessionRecord } from '../storage/revocation-store.interface';
import { signJws } from './jws';
import {
  ACCESS_TOKEN_TYPE,
  AccessTokenClaims,
  REFRESH_TOKEN_TYPE,
  RefreshTokenClaims,
} from './token.claims';

/** A new random identifier for `jti` and `sid` (128 bits, base64url). */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

/** Signs access and refresh tokens with the ring's signing key. */
@Injectable()
export class TokenIssuer {
  constructor(@Inject(JwtRevocationConfig) private readonly config: JwtRevocationConfig) {}

  /** A new access token for a session, valid from `now` (ms), issued to `clientId` (default: the default client). */
  signAccessToken(
    session: SessionRecord,
    now: number,
    clientId = this.config.clients.defaultClientId,
  ): { token: string; claims: AccessTokenClaims } {
    const iat = Math.floor(now / 1000);
    const exp = Math.floor(Math.min(now + this.config.accessTokenTtlMs, session.expiresAt) / 1000);
    const claims: AccessTokenClaims = {
      ...this.registered(),
      client_id: clientId,
      sub: session.subject,
      sid: session.id,
      jti: newTokenId(),
      roles: session.roles,
      uv: session.userVersion,
      gv: session.globalVersion,
      cv: session.claimsVersion,
      iat,
      exp,
    };
    return { token: this.sign(ACCESS_TOKEN_TYPE, claims), claims };
  }

  /** The session's current refresh token. Deterministic for one session state, so a grace-window retry gets the same `jti`. */
  signRefreshToken(session: SessionRecord, clientId = this.config.clients.defaultClientId): string {
    const claims: RefreshTokenClaims = {
      ...this.registered(),
      client_id: clientId,
      sub: session.subject,
      sid: session.id,
      jti: session.refreshJti,
      uv: session.userVersion,
      gv: session.globalVersion,
      iat: Math.floor(session.refreshIssuedAt / 1000),
      exp: Math.floor(session.refreshExpiresAt / 1000),
    };
    return this.sign(REFRESH_TOKEN_TYPE, claims);
  }

  private registered(): { iss?: string; aud?: string } {
    const { issuer, audience } = this.config;
    return { ...(issuer ? { iss: issuer } : {}), ...(audience ? { aud: audience } : {}) };
  }

  private sign(typ: string, claims: object): string {
    const key = this.config.keys.signing;
    const header = { alg: key.alg, typ, ...(key.kid ? { kid: key.kid } : {}) };
    return signJws(key, header, claims);
  }
}
