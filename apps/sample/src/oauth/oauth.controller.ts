import {
  BadRequestException,
  Body,
  Controller,
  Header,
  Headers,
  HttpCode,
  Inject,
  NotAcceptableException,
  Post,
  Req,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBody,
  ApiConsumes,
  ApiForbiddenResponse,
  ApiNotAcceptableResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  ClientAuthenticator,
  ClientRegistry,
  CLAIMS_REQUEST_KEY,
  IntrospectionResponseSigner,
  RevocationService,
  SessionService,
  TOKEN_INTROSPECTION_JWT_MEDIA_TYPE,
  TokenVerifier,
} from 'nestjs-jwt-revocation';
import type {
  AccessTokenClaims,
  BaseTokenClaims,
  ClientCredentialsRequest,
  TokenKind,
} from 'nestjs-jwt-revocation';
import { RevocationTriggers } from '../events/revocation-triggers.service';
import { AuthorizeIntrospection, introspectingClient } from './introspection-caller.guard';
import { introspectionFormat } from './introspection-format';
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
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(ClientRegistry) private readonly registry: ClientRegistry,
    @Inject(IntrospectionResponseSigner) private readonly signer: IntrospectionResponseSigner,
  ) {}

  /**
   * RFC 7009. The client authenticates (`client_secret_basic`, `client_secret_post`, or `client_id`
   * alone for a public client); only tokens issued to it are revoked. A refresh token ends its
   * session; an access token is revoked by its `jti`. Unknown, invalid, already revoked tokens and
   * tokens of other clients are answered 200 as well (§2.2). Both token types the server issues
   * can be revoked, so `unsupported_token_type` never applies; an unknown hint is ignored (§2.1).
   */
  @Post('revoke')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiBasicAuth()
  @ApiConsumes(FORM)
  @ApiBody({ type: TokenForm })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke' })
  @ApiBadRequestResponse({
    description: '`invalid_request` (no token), `unauthorized_client` (no revocation right)',
  })
  @ApiUnauthorizedResponse({ description: '`invalid_client`: client authentication failed' })
  async revoke(@Body() body: unknown, @Req() request: ClientCredentialsRequest): Promise<void> {
    const token = tokenOf(body);
    const { client } = await this.clients.authenticate(request, 'revocation');
    const verified = this.verify(token);
    if (!verified || this.registry.clientIdOf(verified.claims) !== client.clientId) return;
    if (this.revocations.check(verified.claims) !== undefined) return;
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

  /**
   * RFC 7662, for a client with the introspection right or an admin: whether a token is currently
   * valid, and its claims. With `Accept: application/token-introspection+jwt`, the answer is an
   * RFC 9701 JWT signed with the app's asymmetric key (406 when tokens are signed with a secret).
   */
  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @AuthorizeIntrospection()
  @ApiBasicAuth()
  @ApiBearerAuth()
  @ApiConsumes(FORM)
  @ApiProduces('application/json', TOKEN_INTROSPECTION_JWT_MEDIA_TYPE)
  @ApiBody({ type: TokenForm })
  @ApiOkResponse({ type: IntrospectionView })
  @ApiBadRequestResponse({ description: '`invalid_request` (no token), `unauthorized_client`' })
  @ApiUnauthorizedResponse({ description: '`invalid_client`, or no valid admin access token' })
  @ApiForbiddenResponse({ description: 'The caller is not an admin' })
  @ApiNotAcceptableResponse({ description: 'A JWT response was asked for but cannot be signed' })
  async introspect(
    @Body() body: unknown,
    @Req() request: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
  ): Promise<IntrospectionView | StreamableFile> {
    const token = tokenOf(body);
    const format = introspectionFormat(accept, this.signer.algorithm !== undefined);
    if (format === 'none') {
      throw new NotAcceptableException({
        statusCode: 406,
        error: 'Not Acceptable',
        message:
          'Signed introspection responses (RFC 9701) need an asymmetric signing key and an https JWT_ISSUER',
      });
    }
    const view = await this.describe(token);
    if (format === 'json') return view;
    const caller =
      introspectingClient(request)?.clientId ??
      this.registry.clientIdOf(request[CLAIMS_REQUEST_KEY] as AccessTokenClaims);
    // A StreamableFile keeps the media type exact on both adapters (no `; charset` appended).
    return new StreamableFile(Buffer.from(this.signer.sign({ ...view }, caller)), {
      type: TOKEN_INTROSPECTION_JWT_MEDIA_TYPE,
    });
  }

  private async describe(token: string): Promise<IntrospectionView> {
    const verified = this.verify(token);
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
      client_id: this.registry.clientIdOf(claims),
      sub: claims.sub,
      jti: claims.jti,
      sid: claims.sid,
      exp: claims.exp,
      iat: claims.iat,
      roles,
      ...(kind === 'access' ? { token_type: 'Bearer' as const } : {}),
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
