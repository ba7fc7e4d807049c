export { RedisRevocationTransport } from './redis-revocation.transport';
export type { RedisRevocationTransportOptions } from './redis-revocation.transport';
