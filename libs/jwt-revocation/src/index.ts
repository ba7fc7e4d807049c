import type { ASYNC_OPTIONS_TYPE } from './jwt-revocation.module-definition';

export { JwtRevocationModule } from './jwt-revocation.module';
export { JWT_REVOCATION_MODULE_OPTIONS } from './jwt-revocation.module-definition';
export type { JwtRevocationModuleExtras } from './jwt-revocation.module-definition';
/** What `JwtRevocationModule.forRootAsync()` accepts: `useFactory`/`useClass`/`useExisting`, `inject`, `imports` and the extras. */
export type JwtRevocationModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
export type {
  ClaimsLoader,
  LoadedClaims,
  ErrorDetail,
  FailureMode,
  JwtAlgorithm,
  JwtAsymmetricKey,
  JwtRevocationModuleOptions,
  RevocationMode,
  VerifiedTokenCacheOptions,
} from './jwt-revocation.options';
export { validateJwtRevocationOptions } from './jwt-revocation.config';
export { JwtRevocationGuard } from './jwt-revocation.guard';
export {
  bearerChallenge,
  ClaimsChangedException,
  ClientNotAllowedException,
  InsufficientScopeException,
  InvalidGrantException,
  InvalidRequestException,
  InvalidTokenException,
  MissingTokenException,
  RevocationUnavailableException,
  StoreUnavailableException,
  TokenRevokedException,
  retryAfter,
} from './jwt-revocation.exceptions';
export type {
  InvalidTokenReason,
  RefusalOptions,
  RefusalReason,
  StoreFailure,
} from './jwt-revocation.exceptions';
export { Clock, SystemClock } from './clock';
export { Authorize } from './decorators/authorize.decorator';
export type { AuthorizeOptions, Consistency } from './decorators/authorize.metadata';
export { RoutePolicyReader } from './route-policy.reader';
export { Public, IS_PUBLIC_KEY } from './decorators/public.decorator';
export { Roles } from './decorators/roles.decorator';
export { CurrentClaims, CLAIMS_REQUEST_KEY } from './decorators/current-claims.decorator';
export { ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE } from './tokens/token.claims';
export type {
  AccessTokenClaims,
  BaseTokenClaims,
  RefreshTokenClaims,
  RevocableClaims,
  TokenKind,
} from './tokens/token.claims';
export { TokenVerifier } from './tokens/token.verifier';
export { JwksService } from './tokens/jwks.service';
export type { JwkSet } from './tokens/jwks.service';
export { RevocationService } from './revocation/revocation.service';
export type {
  CountedResult,
  RevocationContext,
  RevocationResult,
} from './revocation/revocation.service';
export { RevocationSync } from './revocation/revocation-sync.service';
export type { RevocationSyncStatus } from './revocation/revocation-sync.service';
export type { RevocationVerdict } from './revocation/revocation.cache';
export { RefreshTokenReusedException, SessionService } from './sessions/session.service';
export { RevocationClaimsService } from './sessions/revocation-claims.service';
export type { OpenedSession, RevocationClaims } from './sessions/revocation-claims.service';
export type {
  ClientContext,
  IssueOptions,
  RefreshOptions,
  SessionView,
  TokenPair,
} from './sessions/session.service';
export { InjectRevocationStore, RevocationStore } from './storage/revocation-store.interface';
export type {
  AuditEntry,
  AuditQuery,
  RefreshRotation,
  RevocationChange,
  RevocationCommand,
  RevocationOutcome,
  RevocationReason,
  RevocationSnapshot,
  RevocationTarget,
  RevocationTransaction,
  RevocationVersions,
  SessionRecord,
  SnapshotOptions,
} from './storage/revocation-store.interface';
export { MemoryRevocationStore } from './storage/memory-revocation.store';
export { StoreLatency } from './storage/bounded-revocation.store';
export type { StoreLatencyStatus } from './storage/bounded-revocation.store';
export { StoreDeadline } from './storage/store-deadline';
export { storeFailureOf } from './storage/store-errors';
export { JwtRevocationEvents } from './events/jwt-revocation.events';
export type {
  AccountEvent,
  LoggedOutEvent,
  PasswordChangedEvent,
  RolesChangedEvent,
  SuspiciousActivityEvent,
  TokenRevocationRequestedEvent,
  TokenRevokedEvent,
} from './events/jwt-revocation.events';
export {
  InjectRevocationTransport,
  RevocationTransport,
  parseRevocationMessage,
} from './sync/revocation-transport.interface';
export type {
  RevocationMessage,
  RevocationTransportHandlers,
} from './sync/revocation-transport.interface';
export { RevocationMetrics } from './metrics/revocation.metrics';
export type { RevocationMetricsListener } from './metrics/revocation.metrics';
export { extractBearerToken, extractRequestBearerToken } from './tokens/bearer-token';
export { LIVE_CLOSE_CODE, LiveConnectionRegistry } from './live/live-connection.registry';
export type { LiveCloseReason, LiveConnection } from './live/live-connection.registry';
export {
  LIVE_SSE_FINAL_EVENTS,
  LiveSseInterceptor,
  LiveStream,
  endWithToken,
} from './live/live-sse.interceptor';
export { ClientRegistry, DEFAULT_CLIENT_ID } from './clients/client.registry';
export type {
  ClientAuthMethod,
  OAuthClient,
  OAuthClientOptions,
  OAuthClientRight,
  OAuthClientType,
} from './clients/client.registry';
export { ClientAuthenticator } from './clients/client.authenticator';
export type { AuthenticatedClient, ClientCredentialsRequest } from './clients/client.authenticator';
export {
  InvalidClientException,
  OAuthInvalidRequestException,
  UnauthorizedClientException,
} from './clients/client.exceptions';
export { hashClientSecret } from './clients/client-secret.hasher';
export type { ClientSecretAlgorithm } from './clients/client-secret.hasher';
export {
  IntrospectionResponseSigner,
  TOKEN_INTROSPECTION_JWT_MEDIA_TYPE,
  TOKEN_INTROSPECTION_JWT_TYPE,
} from './tokens/introspection-response.signer';
