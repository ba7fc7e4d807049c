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
import { AccessTokenClaims, CurrentClaims } from 'nestjs-jwt-revocation';
import { AuthorizeAccount } from '../users/active-account.guard';
import { UserView } from '../users/user.views';
import { UsersService } from '../users/users.service';
import { ListUsersQuery, SetRolesDto } from './admin.dto';

const UserId = () => Param('id', new ParseUUIDPipe());

@ApiTags('admin')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'The caller is not an admin (`insufficient_scope`)' })
@AuthorizeAccount('admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(@Inject(UsersService) private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({
    type: [UserView],
    description: 'Every account, deleted ones included, oldest first',
  })
  async list(@Query() query: ListUsersQuery): Promise<UserView[]> {
    const users = await this.users.list(query.limit, query.offset);
    return users.map(UserView.of);
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
