import { Reflector } from '@nestjs/core';

/** Roles of which the caller needs any one. Read with `getAllAndOverride`: a method's list replaces its class's. */
export const Roles = Reflector.createDecorator<string[]>();
