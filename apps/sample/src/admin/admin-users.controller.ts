import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AccessTokenClaims, CurrentClaims, SessionService } from 'nestjs-jwt-revocation';
import { SessionView } from '../account/session.view';
import { AuthorizeAccount } from '../users/active-account.guard';
import { UserView } from '../users/user.views';
import { UsersService } from '../users/users.service';
import { ListUsersQuery, SetRolesDto } from './admin.dto';

const UserId = () => Param('id', new ParseUUIDPipe());

@ApiTags('admin')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'The caller is not an admin (`insufficient_scope`)' })
// Admin actions read revocations from the database, not the cache: a demoted or suspended admin
// is refused on every instance at once, with no propagation window.
@AuthorizeAccount({ roles: ['admin'], consistency: 'strong' })
@Controller('admin/users')
export class AdminUsersController {
  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(SessionService) private readonly sessions: SessionService,
  ) {}

  @Get()
  @ApiOkResponse({
    type: [UserView],
    description:
      'Every account (or those `email` and `status` select), deleted ones included, oldest first',
  })
  async list(@Query() query: ListUsersQuery): Promise<UserView[]> {
    const users = await this.users.list(query.limit, query.offset, {
      email: query.email,
      status: query.status,
    });
    return users.map(UserView.of);
  }

  @Get(':id/sessions')
  @ApiOkResponse({
    type: [SessionView],
    description: 'The user’s active sessions (none `current`)',
  })
  async userSessions(@UserId() id: string): Promise<SessionView[]> {
    const sessions = await this.sessions.list(id);
    return sessions.map((s) => SessionView.of(s, null));
  }

  @Put(':id/roles')
  @ApiOkResponse({
    type: UserView,
    description:
      'Earlier access tokens of the user are refused (claims changed); their sessions stay, and a refresh carries the new roles',
  })
  @ApiNotFoundResponse()
  async setRoles(
    @UserId() id: string,
    @Body() body: SetRolesDto,
    @CurrentClaims() claims: AccessTokenClaims,
  ): Promise<UserView> {
    return UserView.of(await this.users.setRoles(id, body.roles, claims.sub));
  }

  @Post(':id/suspend')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Tokens stop working; login is refused' })
  @ApiNotFoundResponse()
  async suspend(@UserId() id: string, @CurrentClaims() claims: AccessTokenClaims): Promise<void> {
    await this.users.suspend(id, claims.sub);
  }

  @Post(':id/reinstate')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Login works again; earlier tokens stay revoked' })
  @ApiNotFoundResponse()
  async reinstate(@UserId() id: string): Promise<void> {
    await this.users.reinstate(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Tokens stop working; the id is never reused' })
  @ApiNotFoundResponse()
  async delete(@UserId() id: string, @CurrentClaims() claims: AccessTokenClaims): Promise<void> {
    await this.users.delete(id, claims.sub);
  }
}
