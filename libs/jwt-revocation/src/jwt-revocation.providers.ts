import { Logger, Provider } from '@nestjs/common';
import { ClientRegistry } from './clients/client.registry';
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

/**
 * The configured store, or an in-memory one (never silently, never in production unless asked),
 * each call bounded by `storeTimeout` and timed.
 */
export const storeProvider: Provider = {
  provide: RevocationStore,
  useFactory: (
    options: JwtRevocationModuleOptions,
    config: JwtRevocationConfig,
    latency: StoreLatency,
  ) => {
    const store = options.store ?? new MemoryRevocationStore();
    if (store instanceof MemoryRevocationStore) refuseOrWarnInMemory(options);
    return new BoundedRevocationStore(store, config.storeTimeoutMs, latency);
  },
  inject: [JWT_REVOCATION_MODULE_OPTIONS, JwtRevocationConfig, StoreLatency],
};

function refuseOrWarnInMemory(options: JwtRevocationModuleOptions): void {
  const loss =
    'the in-memory store loses every revocation and session at restart (a logged-out token is valid again)';
  if (process.env.NODE_ENV === 'production' && options.allowInMemoryStoreInProduction !== true) {
    throw new Error(
      `jwt-revocation: NODE_ENV=production and ${loss}. Configure a durable \`store\` ` +
        '(TypeOrmRevocationStore from nestjs-jwt-revocation/typeorm), or set ' +
        '`allowInMemoryStoreInProduction: true` to accept the loss.',
    );
  }
  new Logger('JwtRevocation').warn(
    `Revocations are kept in memory only: ${loss}. Configure a durable \`store\` ` +
      '(TypeOrmRevocationStore from nestjs-jwt-revocation/typeorm) for anything but tests and demos.',
  );
}

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

export const clientRegistryProvider: Provider = {
  provide: ClientRegistry,
  useFactory: (config: JwtRevocationConfig) => config.clients,
  inject: [JwtRevocationConfig],
};
