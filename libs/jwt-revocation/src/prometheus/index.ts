export { registerJwtRevocationMetrics } from './jwt-revocation.prometheus';
