import type { ASYNC_OPTIONS_TYPE } from './signals.module-definition';

export { JwtSignalsModule } from './signals.module';
export { JWT_SIGNALS_MODULE_OPTIONS } from './signals.module-definition';
/** What `JwtSignalsModule.forRootAsync()` accepts: `useFactory`/`useClass`/`useExisting`, `inject`, `imports`. */
export type JwtSignalsModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
export type {
  JwtSignalsModuleOptions,
  SetReceiverEndpoint,
  SetTransmitterOptions,
  TrustedSignalIssuer,
} from './signals.options';
export { SignalEventTypes } from './signal-events';
export type { SignalSubject } from './signal-events';
export type { SignalSource, SignalSubjectResolver } from './signal-subject.resolver';
export { InjectSignalStore, SignalStore } from './signal-store.interface';
export type {
  NewSignalRecord,
  SignalDirection,
  SignalProtocol,
  SignalQuery,
  SignalRecord,
} from './signal-store.interface';
export { MemorySignalStore } from './memory-signal.store';
export { SignalRejectedError, SignalUnavailableError } from './signal.errors';
export type { SignalErrorCode } from './signal.errors';
export { BackChannelLogoutReceiver } from './back-channel-logout.receiver';
export { SECEVENT_MEDIA_TYPE, SsfPushReceiver } from './ssf-push.receiver';
export { RECEIVED_SIGNAL_REASONS } from './signal.receiver';
export type { SignalReceipt } from './signal.receiver';
export { SetTransmitter } from './set.transmitter';
export type { SetReceiverStatus } from './set.transmitter';
export { SignalKeys } from './signal.keys';
export { SignalAudit } from './signal.audit';
export { SignalMetrics } from './signal.metrics';
export type { SignalMetricsListener } from './signal.metrics';
