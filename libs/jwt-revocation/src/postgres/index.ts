export { PostgresNotifyTransport } from './postgres-notify.transport';
export type { PostgresNotifyTransportOptions } from './postgres-notify.transport';
