import {
  BadRequestException,
  Body,
  Controller,
  Header,
  HttpCode,
  Inject,
  Post,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RevocationService, SessionService, TokenVerifier } from 'nestjs-jwt-revocation';
import type { AccessTokenClaims, BaseTokenClaims, TokenKind } from 'nestjs-jwt-revocation';
import { AuthorizeAccount } from '../users/active-account.guard';
import { RevocationTriggers } from '../events/revocation-triggers.service';
import { IntrospectionView, TokenForm } from './oauth.views';

const FORM = 'application/x-www-form-urlencoded';
const INACTIVE: IntrospectionView = { active: false };

@ApiTags('oauth')
@Controller('oauth')
export class OAuthController {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RevocationService) private readonly revocations: RevocationService,
    @Inject(RevocationTriggers) private readonly triggers: RevocationTriggers,
    @Inject(SessionService) private readonly sessions: SessionService,
  ) {}

  /**
   * RFC 7009. A refresh token ends its session; an access token is revoked by its `jti`. Tokens
   * that are unknown, invalid or already revoked are answered 200 as well.
   */
  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiConsumes(FORM)
  @ApiBody({ type: TokenForm })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke' })
  @ApiBadRequestResponse({ description: '`{ "error": "invalid_request" }`: no token' })
  async revoke(@Body() body: unknown): Promise<void> {
    const verified = this.verify(tokenOf(body));
    if (!verified || this.revocations.check(verified.claims) !== undefined) return;
    const { kind, claims } = verified;
    if (kind === 'refresh') {
      await this.triggers.loggedOut({
        sessionId: claims.sid,
        userId: claims.sub,
        actor: claims.sub,
      });
    } else {
      await this.triggers.tokenRevocationRequested({
        jti: claims.jti,
        expiresAt: claims.exp,
        reason: 'logout',
        actor: claims.sub,
      });
    }
  }

  /** RFC 7662, for admins: whether a token is currently valid, and its claims. */
  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @AuthorizeAccount('admin')
  @ApiBearerAuth()
  @ApiConsumes(FORM)
  @ApiBody({ type: TokenForm })
  @ApiOkResponse({ type: IntrospectionView })
  @ApiBadRequestResponse({ description: '`{ "error": "invalid_request" }`: no token' })
  @ApiUnauthorizedResponse({ description: 'No valid admin access token' })
  @ApiForbiddenResponse({ description: 'The caller is not an admin' })
  async introspect(@Body() body: unknown): Promise<IntrospectionView> {
    const verified = this.verify(tokenOf(body));
    if (!verified || this.revocations.check(verified.claims) !== undefined) return INACTIVE;
    const { kind, claims } = verified;
    let roles = (claims as AccessTokenClaims).roles;
    if (kind === 'refresh') {
      const sessionRoles = await this.currentRefreshRoles(claims);
      if (!sessionRoles) return INACTIVE;
      roles = sessionRoles;
    }
    return {
      active: true,
      sub: claims.sub,
      jti: claims.jti,
      sid: claims.sid,
      exp: claims.exp,
      iat: claims.iat,
      roles,
      token_type: kind === 'access' ? 'access_token' : 'refresh_token',
      ...(claims.iss === undefined ? {} : { iss: claims.iss }),
      ...(claims.aud === undefined ? {} : { aud: claims.aud }),
    };
  }

  private verify(token: string): { kind: TokenKind; claims: BaseTokenClaims } | undefined {
    try {
      return this.verifier.verifyAny(token);
    } catch {
      return undefined;
    }
  }

  /** A refresh token is live only while it is its session's current one and the session is. */
  private async currentRefreshRoles(claims: BaseTokenClaims): Promise<string[] | undefined> {
    const session = await this.sessions.findActive(claims.sid, { refreshJti: claims.jti });
    return session !== null && session.subject === claims.sub ? session.roles : undefined;
  }
}

/** The form's `token`, or RFC 6749's `invalid_request`. */
function tokenOf(body: unknown): string {
  const token =
    typeof body === 'object' && body !== null ? (body as { token?: unknown }).token : undefined;
  if (typeof token !== 'string' || token === '') {
    throw new BadRequestException({ error: 'invalid_request' });
  }
  return token;
}
