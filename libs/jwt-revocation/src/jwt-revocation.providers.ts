import { Provider } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { JwtRevocationConfig } from './jwt-revocation.config';
import { JWT_REVOCATION_MODULE_OPTIONS } from './jwt-revocation.module-definition';
import type { JwtRevocationModuleOptions } from './jwt-revocation.options';
import { RevocationCache } from './revocation/revocation.cache';
import { MemoryRevocationStore } from './storage/memory-revocation.store';
import { RevocationStore } from './storage/revocation-store.interface';
import { RevocationTransport } from './sync/revocation-transport.interface';

export const configProvider: Provider = {
  provide: JwtRevocationConfig,
  useFactory: (options: JwtRevocationModuleOptions) => new JwtRevocationConfig(options),
  inject: [JWT_REVOCATION_MODULE_OPTIONS],
};

/** The configured store, or an in-memory one. */
export const storeProvider: Provider = {
  provide: RevocationStore,
  useFactory: (options: JwtRevocationModuleOptions) => options.store ?? new MemoryRevocationStore(),
  inject: [JWT_REVOCATION_MODULE_OPTIONS],
};

export const cacheProvider: Provider = {
  provide: RevocationCache,
  useFactory: (config: JwtRevocationConfig) => new RevocationCache(config.mode === 'allowlist'),
  inject: [JwtRevocationConfig],
};

/** The configured transport, or `null`: polling alone. */
export const transportProvider: Provider = {
  provide: RevocationTransport,
  useFactory: (options: JwtRevocationModuleOptions) => options.transport ?? null,
  inject: [JWT_REVOCATION_MODULE_OPTIONS],
};

export const clockProvider: Provider = { provide: Clock, useClass: SystemClock };
