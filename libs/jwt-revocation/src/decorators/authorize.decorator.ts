import { applyDecorators, UseGuards } from '@nestjs/common';
import { JwtRevocationGuard } from '../jwt-revocation.guard';
import { Roles } from './roles.decorator';

/**
 * Requires a valid, unrevoked access token carrying any one of `roles` (none: any authenticated user).
 * On a class and a method, the method's roles win.
 */
export const Authorize = (...roles: string[]): MethodDecorator & ClassDecorator =>
  applyDecorators(Roles(roles), UseGuards(JwtRevocationGuard));
