export {
  PostgresNotifyTransport,
  PostgresNotifyTransportOptions,
} from './postgres-notify.transport';
