export { JwtRevocationModule } from './jwt-revocation.module';
export {
  ASYNC_OPTIONS_TYPE as JwtRevocationModuleAsyncOptions,
  JWT_REVOCATION_MODULE_OPTIONS,
  JwtRevocationModuleExtras,
} from './jwt-revocation.module-definition';
export type {
  ErrorDetail,
  FailureMode,
  JwtAlgorithm,
  JwtAsymmetricKey,
  JwtRevocationModuleOptions,
  RevocationMode,
} from './jwt-revocation.options';
export { JwtRevocationConfig } from './jwt-revocation.config';
export { JwtRevocationGuard } from './jwt-revocation.guard';
export {
  bearerChallenge,
  InsufficientScopeException,
  InvalidGrantException,
  InvalidRequestException,
  InvalidTokenException,
  InvalidTokenReason,
  MissingTokenException,
  RevocationUnavailableException,
  TokenRevokedException,
  rejectionReason,
} from './jwt-revocation.exceptions';
export { Clock, ManualClock, SystemClock } from './clock';
export { Authorize } from './decorators/authorize.decorator';
export { Public, IS_PUBLIC_KEY } from './decorators/public.decorator';
export { Roles } from './decorators/roles.decorator';
export { CurrentClaims, CLAIMS_REQUEST_KEY } from './decorators/current-claims.decorator';
export {
  ACCESS_TOKEN_TYPE,
  AccessTokenClaims,
  BaseTokenClaims,
  REFRESH_TOKEN_TYPE,
  RefreshTokenClaims,
  TokenKind,
} from './tokens/token.claims';
export { TokenVerifier } from './tokens/token.verifier';
export { TokenIssuer } from './tokens/token.issuer';
export { KeyRing } from './tokens/key-ring';
export {
  RevocationContext,
  RevocationResult,
  RevocationService,
} from './revocation/revocation.service';
export { RevocationSync, RevocationSyncStatus } from './revocation/revocation-sync.service';
export { RevocationCache, RevocationVerdict } from './revocation/revocation.cache';
export {
  ClientContext,
  RefreshOptions,
  RefreshTokenReusedException,
  SessionService,
  SessionView,
  TokenPair,
} from './sessions/session.service';
export {
  AuditEntry,
  AuditQuery,
  InjectRevocationStore,
  RefreshRotation,
  RevocationChange,
  RevocationCommand,
  RevocationOutcome,
  RevocationReason,
  RevocationSnapshot,
  RevocationStore,
  RevocationTarget,
  SessionRecord,
  SnapshotOptions,
} from './storage/revocation-store.interface';
export { MemoryRevocationStore } from './storage/memory-revocation.store';
export {
  AccountEvent,
  JwtRevocationEvents,
  LoggedOutEvent,
  PasswordChangedEvent,
  RolesChangedEvent,
  SuspiciousActivityEvent,
  TokenRevocationRequestedEvent,
  TokenRevokedEvent,
} from './events/jwt-revocation.events';
export {
  RevocationMessage,
  RevocationTransport,
  RevocationTransportHandlers,
  parseRevocationMessage,
} from './sync/revocation-transport.interface';
export { RevocationMetrics, RevocationMetricsListener } from './metrics/revocation.metrics';
export { extractBearerToken, extractRequestBearerToken } from './tokens/bearer-token';
