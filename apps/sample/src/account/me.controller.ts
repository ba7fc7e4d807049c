import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  AccessTokenClaims,
  Authorize,
  ClientContext,
  CurrentClaims,
  TokenRevokedException,
} from 'nestjs-jwt-revocation';
import { AuthorizeAccount } from '../users/active-account.guard';
import { ChangePasswordDto } from '../auth/auth.dto';
import { AuthService } from '../auth/auth.service';
import { Client } from '../http/client.decorator';
import { TokenResponse, toTokenResponse } from '../http/token.response';
import { ProfileView } from '../users/user.views';
import { UsersService } from '../users/users.service';
import { RevocationCount } from '../admin/admin.views';
import { SessionView } from './session.view';

@ApiTags('me')
@ApiBearerAuth()
@AuthorizeAccount()
@Controller('me')
export class MeController {
  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  @Get()
  @ApiOkResponse({ type: ProfileView })
  async profile(@CurrentClaims() claims: AccessTokenClaims): Promise<ProfileView> {
    const user = await this.users.findById(claims.sub);
    if (!user || user.status !== 'active') throw new TokenRevokedException('user');
    return ProfileView.of(user);
  }

  @Post('password')
  // Only a token that is still valid in the database may change the password (not one revoked on
  // another instance a moment ago).
  @Authorize({ consistency: 'strong' })
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({
    type: TokenResponse,
    description: 'New tokens for this device; every earlier token of the user stops working',
  })
  @ApiForbiddenResponse({ description: 'current_password is wrong; nothing changed' })
  async changePassword(
    @CurrentClaims() claims: AccessTokenClaims,
    @Body() body: ChangePasswordDto,
    @Client() client: ClientContext,
  ): Promise<TokenResponse> {
    const pair = await this.auth.changePassword(
      claims,
      body.current_password,
      body.new_password,
      client,
    );
    return toTokenResponse(pair);
  }

  @Get('sessions')
  @ApiOkResponse({ type: [SessionView] })
  async sessions(@CurrentClaims() claims: AccessTokenClaims): Promise<SessionView[]> {
    const sessions = await this.auth.listSessions(claims);
    return sessions.map((s) => SessionView.of(s, claims.sid));
  }

  @Post('sessions/sign-out-others')
  @HttpCode(200)
  @ApiOkResponse({ type: RevocationCount, description: 'Every other session of yours ended' })
  async endOtherSessions(@CurrentClaims() claims: AccessTokenClaims): Promise<RevocationCount> {
    return { revoked: await this.auth.endOtherSessions(claims) };
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The session ended' })
  @ApiNotFoundResponse({ description: 'No active session of yours has this id' })
  async endSession(
    @CurrentClaims() claims: AccessTokenClaims,
    @Param('id') id: string,
  ): Promise<void> {
    if (!(await this.auth.endOwnSession(claims, id))) {
      throw new NotFoundException({
        statusCode: 404,
        error: 'not_found',
        message: 'No such session',
      });
    }
  }
}
