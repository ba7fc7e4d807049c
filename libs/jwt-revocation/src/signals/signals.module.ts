import { Logger, Module, type Provider } from '@nestjs/common';
import { JwtRevocationConfig } from '../jwt-revocation.config';
import { BackChannelLogoutReceiver } from './back-channel-logout.receiver';
import { MemorySignalStore } from './memory-signal.store';
import { SignalAudit } from './signal.audit';
import { SignalKeys } from './signal.keys';
import { SignalMetrics } from './signal.metrics';
import { SignalReceiver } from './signal.receiver';
import { SignalVerifier } from './signal.verifier';
import { SignalStore } from './signal-store.interface';
import { SignalsConfig } from './signals.config';
import { ConfigurableModuleClass, JWT_SIGNALS_MODULE_OPTIONS } from './signals.module-definition';
import type { JwtSignalsModuleOptions } from './signals.options';
import { SetTransmitter } from './set.transmitter';
import { SsfPushReceiver } from './ssf-push.receiver';

const configProvider: Provider = {
  provide: SignalsConfig,
  useFactory: (options: JwtSignalsModuleOptions, core: JwtRevocationConfig) =>
    new SignalsConfig(options, core),
  inject: [JWT_SIGNALS_MODULE_OPTIONS, JwtRevocationConfig],
};

const storeProvider: Provider = {
  provide: SignalStore,
  useFactory: (options: JwtSignalsModuleOptions) => {
    if (options.store) return options.store;
    new Logger('JwtSignals').warn(
      'Signals are kept in memory: the jti replay guard covers this process only and is lost at restart; ' +
        'configure TypeOrmSignalStore (nestjs-jwt-revocation/typeorm).',
    );
    return new MemorySignalStore();
  },
  inject: [JWT_SIGNALS_MODULE_OPTIONS],
};

/**
 * Security signals in and out: OIDC Back-Channel Logout and SSF/CAEP/RISC receivers, and a SET
 * transmitter. `JwtSignalsModule.forRoot(options)` or `.forRootAsync({ useFactory })`, next to
 * `JwtRevocationModule`. The app exposes the receivers on its own routes.
 */
@Module({
  providers: [
    configProvider,
    storeProvider,
    SignalMetrics,
    SignalVerifier,
    SignalReceiver,
    BackChannelLogoutReceiver,
    SsfPushReceiver,
    SetTransmitter,
    SignalKeys,
    SignalAudit,
  ],
  exports: [
    SignalStore,
    SignalMetrics,
    BackChannelLogoutReceiver,
    SsfPushReceiver,
    SetTransmitter,
    SignalKeys,
    SignalAudit,
  ],
})
export class JwtSignalsModule extends ConfigurableModuleClass {}
