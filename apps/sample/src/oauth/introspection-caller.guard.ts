import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ClientAuthenticator, JwtRevocationGuard, Roles } from 'nestjs-jwt-revocation';
import type { ClientCredentialsRequest, OAuthClient } from 'nestjs-jwt-revocation';
import { ActiveAccountGuard } from '../users/active-account.guard';

/** Where `IntrospectionCallerGuard` leaves the authenticated client on the request. */
export const INTROSPECTING_CLIENT = 'oauthClient';

/**
 * RFC 7662 §2.1 callers: a client with the introspection right, authenticated with its secret
 * (`client_secret_basic` or `client_secret_post`), or, without client credentials, an admin's
 * bearer token on an active account (as `@AuthorizeAccount('admin')`).
 */
@Injectable()
export class IntrospectionCallerGuard implements CanActivate {
  constructor(
    @Inject(ClientAuthenticator) private readonly clients: ClientAuthenticator,
    @Inject(JwtRevocationGuard) private readonly bearer: JwtRevocationGuard,
    @Inject(ActiveAccountGuard) private readonly account: ActiveAccountGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context
      .switchToHttp()
      .getRequest<ClientCredentialsRequest & Record<string, unknown>>();
    if (this.clients.presentsClient(request)) {
      const { client } = await this.clients.authenticate(request, 'introspection');
      request[INTROSPECTING_CLIENT] = client;
      return true;
    }
    return this.bearer.canActivate(context) && this.account.canActivate(context);
  }
}

/** The introspecting client, when a client (not an admin token) called. */
export function introspectingClient(request: Record<string, unknown>): OAuthClient | undefined {
  return request[INTROSPECTING_CLIENT] as OAuthClient | undefined;
}

/** An introspecting client, or an admin's access token. */
export const AuthorizeIntrospection = () =>
  applyDecorators(Roles(['admin']), UseGuards(IntrospectionCallerGuard));
