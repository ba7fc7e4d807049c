export {
  RedisRevocationTransport,
  RedisRevocationTransportOptions,
} from './redis-revocation.transport';
