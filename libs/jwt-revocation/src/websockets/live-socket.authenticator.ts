import { HttpException, Inject, Injectable } from '@nestjs/common';
import {
  InsufficientScopeException,
  InvalidTokenException,
  rejectionReason,
  RevocationUnavailableException,
  TokenRevokedException,
} from '../jwt-revocation.exceptions';
import { LIVE_CLOSE_CODE, LiveConnectionRegistry } from '../live/live-connection.registry';
import { RevocationMetrics } from '../metrics/revocation.metrics';
import { RevocationService } from '../revocation/revocation.service';
import type { AccessTokenClaims } from '../tokens/token.claims';
import { TokenVerifier } from '../tokens/token.verifier';
import { websocketBearerToken } from './websocket-token';

/** What the authenticator needs of a socket (`ws`'s `WebSocket` fits). */
export interface LiveSocket {
  close(code?: number, reason?: string): void;
  send(data: string): void;
  on(event: 'message', listener: (data: unknown, isBinary?: boolean) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** The upgrade request, as `handleConnection(client, request)` receives it. */
export interface LiveUpgradeRequest {
  headers: Record<string, string | string[] | undefined>;
}

/** Close code for a connection refused for lack of a role (the socket's 403). */
export const LIVE_FORBIDDEN_CLOSE_CODE = 4403;
/** Close code when revocations cannot be checked and the failure mode is `closed` (RFC 6455 "try again later"). */
export const LIVE_UNAVAILABLE_CLOSE_CODE = 1013;

/** The in-band re-authentication a client sends before its token expires. */
export const REAUTHENTICATE_EVENT = 'reauthenticate';
/** The answer to a successful re-authentication: `{ "event": "reauthenticated", "data": { "exp": <s> } }`. */
export const REAUTHENTICATED_EVENT = 'reauthenticated';

const claimsBySocket = new WeakMap<object, AccessTokenClaims>();

/** The claims a socket was authenticated with (its latest token), or `undefined`. */
export function liveClaimsOf(socket: object): AccessTokenClaims | undefined {
  return claimsBySocket.get(socket);
}

/**
 * Authenticates a WebSocket at connection time, in a gateway's `handleConnection(client, request)`:
 * the token comes from the `bearer.<jwt>` subprotocol; it is verified and checked for revocation
 * like an HTTP request, and the socket is then registered so that it is closed with
 * `4401 token_revoked` when the token is revoked and `4401 token_expired` when it expires, unless the
 * client sends `{ "event": "reauthenticate", "data": { "token": "<new access token>" } }` first.
 * A refused socket is closed at once: `4401 invalid_token`/`token_required`/`token_revoked`,
 * `4403 insufficient_scope`, `1013 revocation_unavailable`.
 */
@Injectable()
export class LiveSocketAuthenticator {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RevocationService) private readonly revocations: RevocationService,
    @Inject(LiveConnectionRegistry) private readonly registry: LiveConnectionRegistry,
    @Inject(RevocationMetrics) private readonly metrics: RevocationMetrics,
  ) {}

  /** The claims of an accepted socket, or `undefined` when it was refused (and is closing). */
  authenticate(
    socket: LiveSocket,
    request: LiveUpgradeRequest,
    options: { roles?: string[] } = {},
  ): AccessTokenClaims | undefined {
    let claims: AccessTokenClaims;
    try {
      const token = websocketBearerToken(request.headers['sec-websocket-protocol']);
      if (!token) {
        socket.close(LIVE_CLOSE_CODE, 'token_required');
        return undefined;
      }
      claims = this.check(token, options.roles);
    } catch (error) {
      this.refuse(socket, error);
      return undefined;
    }
    claimsBySocket.set(socket, claims);
    const connection = this.registry.register(claims, (reason) => {
      socket.close(LIVE_CLOSE_CODE, reason);
    });
    socket.once('close', () => connection.unregister());
    socket.on('message', (data, isBinary) => {
      const token = isBinary ? undefined : reauthenticationToken(data);
      if (token === undefined) return;
      try {
        const renewed = this.check(token, options.roles);
        if (!connection.renew(renewed)) {
          throw new InvalidTokenException('malformed', 'The token is of another subject');
        }
        claimsBySocket.set(socket, renewed);
        socket.send(JSON.stringify({ event: REAUTHENTICATED_EVENT, data: { exp: renewed.exp } }));
      } catch (error) {
        connection.unregister();
        this.refuse(socket, error);
      }
    });
    this.metrics.recordAccepted();
    return claims;
  }

  private check(token: string, roles: string[] | undefined): AccessTokenClaims {
    const claims = this.verifier.verifyAccessToken(token);
    this.revocations.assertNotRevoked(claims);
    if (roles?.length && !roles.some((role) => claims.roles.includes(role))) {
      throw new InsufficientScopeException();
    }
    return claims;
  }

  private refuse(socket: LiveSocket, error: unknown): void {
    this.metrics.recordRejected(rejectionReason(error));
    if (error instanceof InsufficientScopeException) {
      socket.close(LIVE_FORBIDDEN_CLOSE_CODE, 'insufficient_scope');
    } else if (error instanceof RevocationUnavailableException) {
      socket.close(LIVE_UNAVAILABLE_CLOSE_CODE, 'revocation_unavailable');
    } else if (error instanceof TokenRevokedException) {
      socket.close(LIVE_CLOSE_CODE, 'token_revoked');
    } else if (error instanceof HttpException || error instanceof Error) {
      socket.close(LIVE_CLOSE_CODE, 'invalid_token');
    } else {
      throw error;
    }
  }
}

/** The token of a `reauthenticate` message, or `undefined` for any other message. */
function reauthenticationToken(data: unknown): string | undefined {
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : typeof data === 'string' ? data : '';
  if (!text.includes(REAUTHENTICATE_EVENT)) return undefined;
  try {
    const message = JSON.parse(text) as { event?: unknown; data?: { token?: unknown } };
    if (message.event !== REAUTHENTICATE_EVENT) return undefined;
    return typeof message.data?.token === 'string' ? message.data.token : '';
  } catch {
    return undefined;
  }
}
