import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import {
  AccessTokenClaims,
  Authorize,
  CLAIMS_REQUEST_KEY,
  TokenRevokedException,
} from 'nestjs-jwt-revocation';
import type { AuthorizeOptions } from 'nestjs-jwt-revocation';
import { RequestDeadline } from '../http/request-deadline';
import { UsersService } from './users.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs after `JwtRevocationGuard`: the token's subject must be an existing, active account, or the
 * request is answered 401 `invalid_token` as for a revoked token. A correctly signed token can
 * outlive its account (deleted, suspended between the revocation and its propagation, or signed
 * for a subject that never existed), and account routes must not act for it.
 */
@Injectable()
export class ActiveAccountGuard implements CanActivate {
  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(RequestDeadline) private readonly deadline: RequestDeadline,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Record<string, unknown>>();
    const claims = request[CLAIMS_REQUEST_KEY] as AccessTokenClaims | undefined;
    const user =
      claims && UUID.test(claims.sub)
        ? await this.deadline.run(request, () => this.users.findById(claims.sub))
        : null;
    if (user?.status !== 'active') throw new TokenRevokedException('user');
    return true;
  }
}

/**
 * `@Authorize(...roles)` or `@Authorize(options)` for routes that act for the caller's account:
 * the account must be active.
 */
export function AuthorizeAccount(options: AuthorizeOptions): MethodDecorator & ClassDecorator;
export function AuthorizeAccount(...roles: string[]): MethodDecorator & ClassDecorator;
export function AuthorizeAccount(
  ...args: [AuthorizeOptions] | string[]
): MethodDecorator & ClassDecorator {
  const [first] = args;
  const authorize = typeof first === 'object' ? Authorize(first) : Authorize(...(args as string[]));
  return applyDecorators(authorize, UseGuards(ActiveAccountGuard));
}
