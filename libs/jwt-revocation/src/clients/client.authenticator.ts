import { Inject, Injectable } from '@nestjs/common';
import { verifyClientSecret } from './client-secret.hasher';
import {
  InvalidClientException,
  OAuthInvalidRequestException,
  UnauthorizedClientException,
} from './client.exceptions';
import { ClientAuthMethod, ClientRegistry, OAuthClient, OAuthClientRight } from './client.registry';

/** What client authentication reads from a request: its `Authorization` header and its form body. */
export interface ClientCredentialsRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

/** The client that made a request, and how it proved it. */
export interface AuthenticatedClient {
  client: OAuthClient;
  method: ClientAuthMethod;
}

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;

/**
 * Authenticates the client of a revocation or introspection request (RFC 6749 §2.3.1):
 * `client_secret_basic` (HTTP Basic with the form-urlencoded id and secret), `client_secret_post`
 * (`client_id` and `client_secret` in the form) or, for public clients, `client_id` alone.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(@Inject(ClientRegistry) private readonly registry: ClientRegistry) {}

  /** Whether the request names a client at all: HTTP Basic credentials or a `client_id` / `client_secret` field. */
  presentsClient(request: ClientCredentialsRequest): boolean {
    const form = formOf(request.body);
    return (
      basicHeader(request) !== undefined ||
      form.client_id !== undefined ||
      form.client_secret !== undefined
    );
  }

  /**
   * The authenticated client, which must hold `right`. Throws `InvalidClientException` (401) when
   * authentication fails, `UnauthorizedClientException` (400) when the client lacks the right and
   * `OAuthInvalidRequestException` (400) for a malformed request.
   */
  async authenticate(
    request: ClientCredentialsRequest,
    right: OAuthClientRight,
  ): Promise<AuthenticatedClient> {
    const authenticated = await this.identify(request);
    if (!authenticated.client[right]) {
      throw new UnauthorizedClientException(`The client may not use token ${right}`);
    }
    return authenticated;
  }

  private async identify(request: ClientCredentialsRequest): Promise<AuthenticatedClient> {
    const form = formOf(request.body);
    const formId = optionalField(form, 'client_id');
    const formSecret = optionalField(form, 'client_secret');
    const basic = basicHeader(request);
    if (basic !== undefined) {
      if (formSecret !== undefined) {
        throw new OAuthInvalidRequestException('Use one client authentication method, not two');
      }
      const [clientId, secret] = decodeBasic(basic);
      if (formId !== undefined && formId !== clientId) {
        throw new OAuthInvalidRequestException('client_id does not match the Basic credentials');
      }
      return { client: await this.check(clientId, secret, true), method: 'client_secret_basic' };
    }
    if (formId === undefined) {
      throw new InvalidClientException('Client authentication required', false);
    }
    if (formSecret !== undefined) {
      return { client: await this.check(formId, formSecret, false), method: 'client_secret_post' };
    }
    const client = this.registry.find(formId);
    if (client?.type !== 'public') {
      throw new InvalidClientException('Client authentication failed', false);
    }
    return { client, method: 'none' };
  }

  private async check(clientId: string, secret: string, basic: boolean): Promise<OAuthClient> {
    const client = this.registry.find(clientId);
    const matches =
      client?.secretHash !== undefined && (await verifyClientSecret(client.secretHash, secret));
    if (!client || !matches)
      throw new InvalidClientException('Client authentication failed', basic);
    return client;
  }
}

function basicHeader(request: ClientCredentialsRequest): string | undefined {
  const header = request.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && /^basic(?: |$)/i.test(value) ? value : undefined;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function decodeBasic(header: string): [string, string] {
  const match = BASIC.exec(header);
  const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  try {
    if (colon < 1) throw new Error('no client id');
    return [formDecode(decoded.slice(0, colon)), formDecode(decoded.slice(colon + 1))];
  } catch {
    throw new InvalidClientException('Malformed Basic credentials', true);
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function formOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

function optionalField(form: Record<string, unknown>, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new OAuthInvalidRequestException(`${name} must be a single non-empty value`);
  }
  return value;
}
