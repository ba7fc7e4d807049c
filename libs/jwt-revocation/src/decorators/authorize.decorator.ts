import { applyDecorators, UseGuards } from '@nestjs/common';
import { JwtRevocationGuard } from '../jwt-revocation.guard';
import { AuthorizeMetadata, AuthorizeOptions } from './authorize.metadata';
import { Roles } from './roles.decorator';

const PLAIN: AuthorizeOptions = Object.freeze({});

/**
 * Requires a valid, unrevoked access token carrying any one of `roles` (none: any authenticated
 * user), or what `options` say (roles, consistency, failure mode, staleness, clients, audience).
 * On a class and a method, the method's `@Authorize` replaces the class's as a whole.
 * Contradictory options make the application refuse to boot.
 */
export function Authorize(options: AuthorizeOptions): MethodDecorator & ClassDecorator;
export function Authorize(...roles: string[]): MethodDecorator & ClassDecorator;
export function Authorize(
  ...args: [AuthorizeOptions] | string[]
): MethodDecorator & ClassDecorator {
  const first: unknown = args[0];
  const options =
    typeof first === 'object' && first !== null ? (first as AuthorizeOptions) : undefined;
  return applyDecorators(
    Roles(options ? (options.roles ?? []) : (args as string[])),
    AuthorizeMetadata(options ?? PLAIN),
    UseGuards(JwtRevocationGuard),
  );
}
