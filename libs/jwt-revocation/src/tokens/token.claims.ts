/** `typ` header of access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** `typ` header of refresh tokens: never accepted where an access token is expected, nor the reverse. */
export const REFRESH_TOKEN_TYPE = 'refresh+jwt';

export type TokenKind = 'access' | 'refresh';

/** Claims shared by both token kinds. Times are seconds since the epoch. */
export interface BaseTokenClaims {
  /** Subject: the user id. */
  sub: string;
  /** Unique token id. */
  jti: string;
  /** Session id. Every token belongs to one session. */
  sid: string;
  iat: number;
  exp: number;
  nbf?: number;
  iss?: string;
  aud?: string | string[];
  /** The OAuth client the token was issued to (RFC 9068 §2.2). Absent from tokens issued before clients existed: the default client's. */
  client_id?: string;
  /** The user's revocation version when the session began: a user-wide revocation raises it. */
  uv: number;
  /** The global revocation version when the session began: the kill switch raises it. */
  gv: number;
}

/**
 * What a revocation check reads from a token's payload. Tokens issued by this library carry every
 * claim; tokens signed elsewhere (e.g. by `@nestjs/jwt` before adoption) may lack `jti`, `sid` and
 * the versions, and are then revoked by user-wide and global revocations issued at or after `iat`.
 */
export interface RevocableClaims {
  sub: string;
  iat?: number;
  jti?: string;
  sid?: string;
  uv?: number;
  gv?: number;
  cv?: number;
}

/** Verified claims of an access token, as the guard hands them to handlers. */
export interface AccessTokenClaims extends BaseTokenClaims {
  roles: string[];
  /** The user's claims version the roles reflect: a claims change raises it (refresh to catch up). */
  cv?: number;
  [claim: string]: unknown;
}

/** Verified claims of a refresh token. */
export type RefreshTokenClaims = BaseTokenClaims;
