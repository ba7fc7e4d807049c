import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RevocationEventsListener } from './events/revocation-events.listener';
import { JwtRevocationGuard } from './jwt-revocation.guard';
import { RoutePolicyReader } from './route-policy.reader';
import { ConfigurableModuleClass } from './jwt-revocation.module-definition';
import { ClientAuthenticator } from './clients/client.authenticator';
import { ClientRegistry } from './clients/client.registry';
import { IntrospectionResponseSigner } from './tokens/introspection-response.signer';
import {
  cacheProvider,
  clientRegistryProvider,
  clockProvider,
  configProvider,
  storeLatencyProvider,
  storeProvider,
  transportProvider,
} from './jwt-revocation.providers';
import { StoreLatency } from './storage/bounded-revocation.store';
import { RevocationService } from './revocation/revocation.service';
import { RevocationSync } from './revocation/revocation-sync.service';
import { SessionService } from './sessions/session.service';
import { RevocationClaimsService } from './sessions/revocation-claims.service';
import { TokenIssuer } from './tokens/token.issuer';
import { TokenVerifier } from './tokens/token.verifier';
import { JwksService } from './tokens/jwks.service';
import { RevocationTransport } from './sync/revocation-transport.interface';
import { RevocationStore } from './storage/revocation-store.interface';
import { Clock } from './clock';
import { RevocationMetrics } from './metrics/revocation.metrics';
import { LiveConnectionRegistry } from './live/live-connection.registry';
import { LiveSseInterceptor } from './live/live-sse.interceptor';
import { JwtRevocationConfig } from './jwt-revocation.config';

/**
 * JWT revocation for Nest: `JwtRevocationModule.forRoot(options)` or `.forRootAsync({ useFactory })`.
 * Global by default; provides the guard, `RevocationService`, `SessionService` and the event listener.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    configProvider,
    storeLatencyProvider,
    storeProvider,
    transportProvider,
    cacheProvider,
    clockProvider,
    TokenVerifier,
    TokenIssuer,
    JwksService,
    RevocationSync,
    RevocationService,
    SessionService,
    RevocationClaimsService,
    JwtRevocationGuard,
    RoutePolicyReader,
    RevocationEventsListener,
    RevocationMetrics,
    LiveConnectionRegistry,
    LiveSseInterceptor,
    clientRegistryProvider,
    ClientAuthenticator,
    IntrospectionResponseSigner,
  ],
  exports: [
    // Read by the signals entry point (nestjs-jwt-revocation/signals); not part of the public barrel.
    JwtRevocationConfig,
    RevocationStore,
    RevocationTransport,
    StoreLatency,
    Clock,
    TokenVerifier,
    JwksService,
    RevocationSync,
    RevocationService,
    SessionService,
    RevocationClaimsService,
    JwtRevocationGuard,
    RoutePolicyReader,
    RevocationMetrics,
    LiveConnectionRegistry,
    LiveSseInterceptor,
    ClientRegistry,
    ClientAuthenticator,
    IntrospectionResponseSigner,
  ],
})
export class JwtRevocationModule extends ConfigurableModuleClass {}
