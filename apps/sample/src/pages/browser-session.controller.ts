import {
  BadRequestException,
  Body,
  Controller,
  Header,
  HttpCode,
  Inject,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import {
  AccessTokenClaims,
  ClientContext,
  Clock,
  CurrentClaims,
  InvalidGrantException,
  TokenPair,
  TokenVerifier,
} from 'nestjs-jwt-revocation';
import { ChangePasswordDto, LoginDto } from '../auth/auth.dto';
import { AuthService } from '../auth/auth.service';
import { RevocationTriggers } from '../events/revocation-triggers.service';
import { Client } from '../http/client.decorator';
import { AuthorizeAccount } from '../users/active-account.guard';
import { CSRF_HEADER, CSRF_HEADER_VALUE, SameOriginGuard } from './same-origin.guard';
import { SessionEndReasons } from './session-end.reasons';
import { readSessionCookie, SESSION_COOKIE, writeSessionCookie } from './session.cookie';

/** A token response without the refresh token, which travels in the cookie. */
export class BrowserTokenResponse {
  @ApiProperty({ description: 'Access token (JWT): keep it in memory only' })
  access_token: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ description: 'Access-token lifetime in seconds', example: 900 })
  expires_in: number;
}

type RequestLike = { headers: Record<string, string | string[] | undefined> };

/**
 * Sessions of the sample's pages: the same logins as `/auth`, with the refresh token in an
 * HttpOnly cookie instead of the response body. Every route that the cookie authenticates checks
 * the request's origin (`SameOriginGuard`). Clients other than the pages keep using `/auth`.
 */
@ApiTags('browser session')
@ApiHeader({ name: CSRF_HEADER, required: true, schema: { enum: [CSRF_HEADER_VALUE] } })
@ApiForbiddenResponse({
  description: 'Not a same-origin request from the pages (`cross_site_request`)',
})
@UseGuards(SameOriginGuard)
@Controller('auth/session')
export class BrowserSessionController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(RevocationTriggers) private readonly triggers: RevocationTriggers,
    @Inject(SessionEndReasons) private readonly reasons: SessionEndReasons,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: BrowserTokenResponse, description: `Sets the ${SESSION_COOKIE} cookie` })
  async signIn(
    @Body() body: LoginDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<BrowserTokenResponse> {
    return this.started(await this.auth.login(body.email, body.password, client), response);
  }

  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: BrowserTokenResponse, description: 'Rotates the cookie' })
  @ApiBadRequestResponse({
    description:
      '`invalid_grant` with `reason`: why the session ended (`logout`, `password_change`, ' +
      '`account_suspended`, `expired`, `no_session`, ...); the cookie is cleared',
  })
  async refresh(
    @Req() request: RequestLike,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<BrowserTokenResponse> {
    const token = readSessionCookie(request);
    if (token === undefined) throw this.ended(response, 'no_session', 'No session cookie');
    try {
      return this.started(await this.auth.refresh(token, client), response);
    } catch (error) {
      if (!(error instanceof InvalidGrantException)) throw error;
      const body = error.getResponse() as { error_description?: string };
      throw this.ended(response, await this.reasons.of(token), body.error_description ?? '');
    }
  }

  /** Ends the cookie's session (even with an expired access token) and clears the cookie. */
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The session ended; the cookie is cleared' })
  async signOut(
    @Req() request: RequestLike,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    const token = readSessionCookie(request);
    const claims = token === undefined ? undefined : this.reasons.claimsOf(token);
    if (typeof claims === 'object') {
      await this.triggers.loggedOut({
        sessionId: claims.sid,
        userId: claims.sub,
        actor: claims.sub,
      });
    }
    writeSessionCookie(this.adapterHost.httpAdapter, response, null);
  }

  /** `POST /me/password` for the pages: the new session's refresh token goes into the cookie. */
  @Post('password')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @AuthorizeAccount()
  @ApiBearerAuth()
  @ApiOkResponse({ type: BrowserTokenResponse, description: 'Every other session has ended' })
  async changePassword(
    @CurrentClaims() claims: AccessTokenClaims,
    @Body() body: ChangePasswordDto,
    @Client() client: ClientContext,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<BrowserTokenResponse> {
    const pair = await this.auth.changePassword(
      claims,
      body.current_password,
      body.new_password,
      client,
    );
    return this.started(pair, response);
  }

  private started(pair: TokenPair, response: unknown): BrowserTokenResponse {
    const { exp } = this.verifier.verifyRefreshToken(pair.refreshToken);
    writeSessionCookie(this.adapterHost.httpAdapter, response, {
      token: pair.refreshToken,
      maxAgeSeconds: exp - this.clock.now() / 1000,
    });
    return {
      access_token: pair.accessToken,
      token_type: pair.tokenType,
      expires_in: pair.expiresIn,
    };
  }

  private ended(response: unknown, reason: string, description: string): BadRequestException {
    writeSessionCookie(this.adapterHost.httpAdapter, response, null);
    this.adapterHost.httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    return new BadRequestException({
      error: 'invalid_grant',
      error_description: description,
      reason,
    });
  }
}
