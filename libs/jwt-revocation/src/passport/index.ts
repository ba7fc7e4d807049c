export { JWT_REVOCATION_STRATEGY, JwtRevocationStrategy } from './jwt-revocation.strategy';
