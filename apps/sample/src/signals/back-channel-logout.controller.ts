import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { BackChannelLogoutReceiver } from 'nestjs-jwt-revocation/signals';
import { LogoutTokenForm } from './signals.views';
import { signalHttpError } from './signal-http';

/** OIDC Back-Channel Logout 1.0: the IdP ends a user's sessions here. */
@ApiTags('signals')
@Controller('oauth')
export class BackChannelLogoutController {
  constructor(
    @Inject(BackChannelLogoutReceiver) private readonly receiver: BackChannelLogoutReceiver,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** §2.5: a form with `logout_token`; 200 once the sessions it names are ended, 400 otherwise (§2.8). */
  @Post('backchannel-logout')
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: LogoutTokenForm })
  @ApiOkResponse({ description: 'Logged out (or nobody local to log out)' })
  @ApiBadRequestResponse({ description: '`{ "error": "invalid_request", "error_description" }`' })
  @ApiServiceUnavailableResponse({
    description: 'The IdP keys or the database did not answer; retry',
  })
  async logout(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    this.adapterHost.httpAdapter.setHeader(response, 'Cache-Control', 'no-store');
    const token =
      typeof body === 'object' && body !== null
        ? (body as { logout_token?: unknown }).logout_token
        : undefined;
    try {
      await this.receiver.receive(token);
    } catch (error) {
      throw signalHttpError(error, (e) => ({
        error: 'invalid_request',
        error_description: e.description,
      }));
    }
  }
}
