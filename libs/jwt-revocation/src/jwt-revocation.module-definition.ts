import { ConfigurableModuleBuilder } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtRevocationGuard } from './jwt-revocation.guard';
import type { JwtRevocationModuleOptions } from './jwt-revocation.options';

/** Extras of `forRoot`/`forRootAsync`, known when the module is declared. */
export interface JwtRevocationModuleExtras {
  /** Register the module globally. Default true. */
  isGlobal?: boolean;
  /** Bind `JwtRevocationGuard` to every route; opt out with `@Public()`. Default false. */
  globalGuard?: boolean;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: JWT_REVOCATION_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<JwtRevocationModuleOptions>({ moduleName: 'JwtRevocation' })
  .setClassMethodName('forRoot')
  .setExtras<JwtRevocationModuleExtras>(
    { isGlobal: true, globalGuard: false },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      providers: [
        ...(definition.providers ?? []),
        ...(extras.globalGuard ? [{ provide: APP_GUARD, useExisting: JwtRevocationGuard }] : []),
      ],
    }),
  )
  .build();
