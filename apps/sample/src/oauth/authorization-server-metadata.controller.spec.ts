import { NotFoundException } from '@nestjs/common';
import { ClientRegistry } from 'nestjs-jwt-revocation';
import type { IntrospectionResponseSigner, JwksService } from 'nestjs-jwt-revocation';
import type { SampleConfig } from '../config/sample.config';
import { AuthorizationServerMetadataController } from './authorization-server-metadata.controller';

describe('AuthorizationServerMetadataController', () => {
  const hs256 = {
    jwks: { getJwks: () => ({ keys: [] }) } as unknown as JwksService,
    signer: { algorithm: undefined } as IntrospectionResponseSigner,
  };
  const controller = (issuer: string | null, registry = new ClientRegistry()) =>
    new AuthorizationServerMetadataController(
      { metadataIssuer: issuer } as SampleConfig,
      registry,
      hs256.jwks,
      hs256.signer,
    );

  it('with an HS256 secret and public clients only: no jwks_uri, no signed introspection', () => {
    expect(controller('https://as.example.test').metadata()).toEqual({
      issuer: 'https://as.example.test',
      response_types_supported: [],
      grant_types_supported: [],
      revocation_endpoint: 'https://as.example.test/oauth/revoke',
      revocation_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint: 'https://as.example.test/oauth/introspect',
      introspection_endpoint_auth_methods_supported: [],
      service_documentation: 'https://as.example.test/docs',
    });
  });

  it('answers 404 without an issuer identifier', () => {
    expect(() => controller(null).metadata()).toThrow(NotFoundException);
  });
});
