import { Controller, Get, Header, Inject, NotFoundException } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ClientRegistry, IntrospectionResponseSigner, JwksService } from 'nestjs-jwt-revocation';
import { SampleConfig } from '../config/sample.config';

/**
 * RFC 8414 authorization server metadata. The sample has no RFC 6749 token or authorization
 * endpoint (`/auth/login` and `/auth/refresh` are JSON APIs of their own), so it advertises none,
 * and no grant or response type.
 */
@ApiTags('oauth')
@Controller('.well-known')
export class AuthorizationServerMetadataController {
  constructor(
    @Inject(SampleConfig) private readonly config: SampleConfig,
    @Inject(ClientRegistry) private readonly clients: ClientRegistry,
    @Inject(JwksService) private readonly jwks: JwksService,
    @Inject(IntrospectionResponseSigner) private readonly signer: IntrospectionResponseSigner,
  ) {}

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ description: 'RFC 8414 metadata' })
  @ApiNotFoundResponse({ description: 'JWT_ISSUER is not an https URL without path' })
  metadata(): Record<string, unknown> {
    const issuer = this.config.metadataIssuer;
    if (issuer === null) throw new NotFoundException();
    const at = (path: string) => new URL(path, issuer).href;
    const alg = this.signer.algorithm;
    return {
      issuer,
      ...(this.jwks.getJwks().keys.length > 0 ? { jwks_uri: at('/.well-known/jwks.json') } : {}),
      response_types_supported: [],
      grant_types_supported: [],
      revocation_endpoint: at('/oauth/revoke'),
      revocation_endpoint_auth_methods_supported: this.clients.authMethodsFor('revocation'),
      introspection_endpoint: at('/oauth/introspect'),
      introspection_endpoint_auth_methods_supported: this.clients.authMethodsFor('introspection'),
      ...(alg === undefined ? {} : { introspection_signing_alg_values_supported: [alg] }),
      service_documentation: at('/docs'),
    };
  }
}
