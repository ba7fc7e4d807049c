import { Body, Controller, Header, HttpCode, Inject, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AccessTokenClaims, ClientContext, CurrentClaims } from 'nestjs-jwt-revocation';
import { AuthorizeAccount } from '../users/active-account.guard';
import { Client } from '../http/client.decorator';
import { TokenResponse, toTokenResponse } from '../http/token.response';
import { ProfileView } from '../users/user.views';
import { UsersService } from '../users/users.service';
import { LoginDto, RefreshDto, RegisterDto } from './auth.dto';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(UsersService) private readonly users: UsersService,
  ) {}

  @Post('register')
  @ApiCreatedResponse({ type: ProfileView, description: 'The new account, with role `user`' })
  @ApiConflictResponse({ description: 'The email is taken' })
  async register(@Body() body: RegisterDto): Promise<ProfileView> {
    return ProfileView.of(await this.users.create(body.email, body.password));
  }

  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: TokenResponse })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password (one answer for both)' })
  @ApiTooManyRequestsResponse({
    description: 'Too many failures for this account or IP; see Retry-After',
  })
  async login(@Body() body: LoginDto, @Client() client: ClientContext): Promise<TokenResponse> {
    return toTokenResponse(await this.auth.login(body.email, body.password, client));
  }

  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: TokenResponse, description: 'A rotated pair' })
  @ApiBadRequestResponse({
    description:
      'RFC 6749 §5.2 `{ "error": "invalid_grant", "error_description": ... }`: the refresh token is ' +
      'unknown, expired, revoked or reused (log in again); or the body is invalid',
  })
  async refresh(@Body() body: RefreshDto, @Client() client: ClientContext): Promise<TokenResponse> {
    return toTokenResponse(await this.auth.refresh(body.refresh_token, client));
  }

  @Post('logout')
  @HttpCode(204)
  @AuthorizeAccount()
  @ApiBearerAuth()
  async logout(@CurrentClaims() claims: AccessTokenClaims): Promise<void> {
    await this.auth.logout(claims);
  }

  @Post('logout-all')
  @HttpCode(204)
  @AuthorizeAccount()
  @ApiBearerAuth()
  async logoutAll(@CurrentClaims() claims: AccessTokenClaims): Promise<void> {
    await this.auth.logoutEverywhere(claims);
  }
}
