export { JwtRevocationHealthIndicator } from './jwt-revocation.health';
