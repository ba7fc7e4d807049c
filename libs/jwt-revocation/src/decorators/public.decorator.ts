import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'jwt-revocation:public';

/** Opts a route or controller out of a globally bound `JwtRevocationGuard`. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
