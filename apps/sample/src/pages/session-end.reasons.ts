import { Inject, Injectable } from '@nestjs/common';
import {
  AuditEntry,
  InvalidTokenException,
  RefreshTokenClaims,
  RevocationService,
  TokenVerifier,
} from 'nestjs-jwt-revocation';

/** Audit entries this much older than the token still count: `iat` is in whole seconds. */
const IAT_PRECISION_MS = 1000;

/**
 * Why a browser session ended, for the sign-in form to say: the newest audit entry about its
 * session, its user or everyone that was recorded after the token was issued (`logout`,
 * `password_change`, `account_suspended`, ...), `expired`, or `revoked` when the trail does not tell.
 */
@Injectable()
export class SessionEndReasons {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RevocationService) private readonly revocations: RevocationService,
  ) {}

  /** The claims of a refresh token whose signature is valid, expired or not; undefined otherwise. */
  claimsOf(refreshToken: string): RefreshTokenClaims | 'expired' | undefined {
    try {
      return this.verifier.verifyRefreshToken(refreshToken);
    } catch (error) {
      if (error instanceof InvalidTokenException && error.reason === 'expired') return 'expired';
      return undefined;
    }
  }

  async of(refreshToken: string | undefined): Promise<string> {
    if (refreshToken === undefined) return 'signed_out';
    const claims = this.claimsOf(refreshToken);
    if (claims === 'expired') return 'expired';
    if (claims === undefined) return 'revoked';
    const since = claims.iat * 1000 - IAT_PRECISION_MS;
    let candidates: AuditEntry[][];
    try {
      candidates = await Promise.all([
        this.revocations.audit({ kind: 'session', target: claims.sid, limit: 1 }),
        this.revocations.audit({ kind: 'user', target: claims.sub, limit: 1 }),
        this.revocations.audit({ kind: 'global', limit: 1 }),
      ]);
    } catch {
      // The refusal stands either way; only its explanation is lost.
      return 'revoked';
    }
    const newest = candidates
      .flat()
      .filter((entry: AuditEntry) => entry.createdAt >= since)
      .sort((a, b) => b.id - a.id)[0];
    return newest?.reason ?? 'revoked';
  }
}
