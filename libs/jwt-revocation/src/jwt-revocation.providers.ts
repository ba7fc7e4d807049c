import { Provider } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { JwtRevocationConfig } from './jwt-revocation.config';
import { JWT_REVOCATION_MODULE_OPTIONS } from './jwt-revocation.module-definition';
import type { JwtRevocationModuleOptions } from './jwt-revocation.options';
import { RevocationCache } from './revocation/revocation.cache';
import { BoundedRevocationStore, StoreLatency } from './storage/bounded-revocation.store';
import { MemoryRevocationStore } from './storage/memory-revocation.store';
import { RevocationStore } from './storage/revocation-store.interface';
import { RevocationTransport } from './sync/revocation-transport.interface';

export const configProvider: Provider = {
  provide: JwtRevocationConfig,
  useFactory: (options: JwtRevocationModuleOptions) => new JwtRevocationConfig(options),
  inject: [JWT_REVOCATION_MODULE_OPTIONS],
};

export const storeLatencyProvider: Provider = {
  provide: StoreLatency,
  useFactory: (config: JwtRevocationConfig) => new StoreLatency(config.slowStoreThresholdMs),
  inject: [JwtRevocationConfig],
};

/** The configured store (or an in-memory one), each call bounded by `storeTimeout` and timed. */
export const storeProvider: Provider = {
  provide: RevocationStore,
  useFactory: (
    options: JwtRevocationModuleOptions,
    config: JwtRevocationConfig,
    latency: StoreLatency,
  ) =>
    new BoundedRevocationStore(
      options.store ?? new MemoryRevocationStore(),
      config.storeTimeoutMs,
      latency,
    ),
  inject: [JWT_REVOCATION_MODULE_OPTIONS, JwtRevocationConfig, StoreLatency],
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
