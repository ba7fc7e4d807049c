import { HttpException, Inject, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Roles } from '../decorators/roles.decorator';
import {
  InsufficientScopeException,
  InvalidTokenException,
  rejectionReason,
  RevocationUnavailableException,
  ClaimsChangedException,
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

/** What the authenticator needs of a socket.io `Socket`. */
export interface LiveIoSocket {
  handshake: { auth?: Record<string, unknown> };
  emit(event: string, data: unknown): unknown;
  disconnect(close?: boolean): unknown;
  on(event: string, listener: (data: unknown) => void): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

/** Which roles a connection needs. */
export interface LiveSocketOptions {
  /** Roles of which the token needs any one; when given, the gateway's `@AuthorizeSocket()` roles are not read. */
  roles?: string[];
  /** The gateway (pass `this`) or its class: the roles of its `@AuthorizeSocket()` gate the connection. */
  gateway?: object;
}

/** Event a socket.io client receives before the server disconnects it: `{ reason }` (a close reason above). */
export const LIVE_CLOSED_EVENT = 'live_closed';

/** The upgrade request, as `handleConnection(client, request)` receives it. */
export interface LiveUpgradeRequest {
  headers: Record<string, string | string[] | undefined>;
}

/** Close code for a connection refused for lack of a role (the socket's 403). */
export const LIVE_FORBIDDEN_CLOSE_CODE = 4403;
/** Close code when revocations cannot be checked and the failure mode is `closed` (RFC 6455 "try again later"). */
export const LIVE_UNAVAILABLE_CLOSE_CODE = 1013;

/** The first message of a client that authenticates in-band instead of with a subprotocol. */
export const AUTHENTICATE_EVENT = 'authenticate';
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
 * `4401 token_revoked` when the token is revoked (`4401 claims_changed` after a claims change: refresh
 * the token and reconnect) and `4401 token_expired` when it expires, unless the
 * client sends `{ "event": "reauthenticate", "data": { "token": "<new access token>" } }` first.
 * A refused socket is closed at once: `4401 invalid_token`/`token_required`/`token_revoked`/
 * `claims_changed`, `4403 insufficient_scope`, `1013 revocation_unavailable`. Roles: pass
 * `{ gateway: this }` to apply the gateway's `@AuthorizeSocket(...roles)`, or `{ roles }`; a renewal
 * must carry them too.
 */
@Injectable()
export class LiveSocketAuthenticator {
  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(RevocationService) private readonly revocations: RevocationService,
    @Inject(LiveConnectionRegistry) private readonly registry: LiveConnectionRegistry,
    @Inject(RevocationMetrics) private readonly metrics: RevocationMetrics,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  /** The claims of an accepted socket, or `undefined` when it was refused (and is closing). */
  authenticate(
    socket: LiveSocket,
    request: LiveUpgradeRequest,
    options: LiveSocketOptions = {},
  ): AccessTokenClaims | undefined {
    let token: string | undefined;
    try {
      token = websocketBearerToken(request.headers['sec-websocket-protocol']);
    } catch (error) {
      this.refuse((code, reason) => socket.close(code, reason), error);
      return undefined;
    }
    return this.acceptWebSocket(socket, token, options);
  }

  /**
   * The same, for clients that cannot offer a subprotocol: without a `bearer.` one, the socket's
   * first message must be `{ "event": "authenticate", "data": { "token": "<access token>" } }`,
   * within `timeoutMs` (default 5000); any other first message, or none in time, closes it with
   * `4401 token_required`. Messages to guarded handlers are refused until then. Resolves with the
   * claims, or `undefined` when the socket was refused or left.
   */
  authenticateFirstMessage(
    socket: LiveSocket,
    request: LiveUpgradeRequest,
    options: LiveSocketOptions & { timeoutMs?: number } = {},
  ): Promise<AccessTokenClaims | undefined> {
    let offered = true;
    try {
      offered = websocketBearerToken(request.headers['sec-websocket-protocol']) !== undefined;
    } catch {
      // More than one bearer subprotocol: `authenticate` refuses it.
    }
    if (offered) return Promise.resolve(this.authenticate(socket, request, options));
    return new Promise((resolve) => {
      let waiting = true;
      /** Accepts or refuses `token` (none: `token_required`), or gives up when the client left. */
      const settle = (left: boolean, token?: string) => {
        if (!waiting) return;
        waiting = false;
        clearTimeout(timer);
        resolve(left ? undefined : this.acceptWebSocket(socket, token, options));
      };
      const timer = setTimeout(() => settle(false), options.timeoutMs ?? 5000);
      socket.on('message', (data, isBinary) =>
        settle(false, isBinary ? undefined : messageToken(data, AUTHENTICATE_EVENT)),
      );
      socket.once('close', () => settle(true));
    });
  }

  /**
   * The same for a socket.io gateway (`@nestjs/platform-socket.io`), in `handleConnection(socket)`:
   * the client passes the token in the handshake's `auth` payload, `io(url, { auth: { token } })`
   * (sent in the connect packet, not in the URL). socket.io has no close codes: the server emits
   * `live_closed` with `{ reason }` (the reasons above) and disconnects. Re-authenticate by emitting
   * `reauthenticate` with `{ token }`; the answer is `reauthenticated` with `{ exp }`.
   */
  authenticateSocketIo(
    socket: LiveIoSocket,
    options: LiveSocketOptions = {},
  ): AccessTokenClaims | undefined {
    const refuse = (_code: number, reason: string) => {
      socket.emit(LIVE_CLOSED_EVENT, { reason });
      socket.disconnect(true);
    };
    const token = socket.handshake.auth?.token;
    return this.accept(
      socket,
      typeof token === 'string' ? token : undefined,
      this.rolesOf(options),
      refuse,
      (renew) => {
        socket.on(REAUTHENTICATE_EVENT, (data) => {
          const renewal = (data as { token?: unknown } | undefined)?.token;
          renew(typeof renewal === 'string' ? renewal : '');
        });
        socket.once('disconnect', () => renew(null));
      },
      (exp) => socket.emit(REAUTHENTICATED_EVENT, { exp }),
    );
  }

  /**
   * Checks the token, registers the socket and wires re-authentication: `listen` receives a
   * function to call with each renewal token, or with `null` when the client left.
   */
  private accept(
    socket: object,
    token: string | undefined,
    roles: string[] | undefined,
    close: (code: number, reason: string) => void,
    listen: (renew: (token: string | null) => void) => void,
    confirm: (exp: number) => void,
  ): AccessTokenClaims | undefined {
    if (!token) {
      close(LIVE_CLOSE_CODE, 'token_required');
      return undefined;
    }
    let claims: AccessTokenClaims;
    try {
      claims = this.check(token, roles);
    } catch (error) {
      this.refuse(close, error);
      return undefined;
    }
    claimsBySocket.set(socket, claims);
    const connection = this.registry.register(claims, (reason) => close(LIVE_CLOSE_CODE, reason));
    listen((renewal) => {
      if (renewal === null) return connection.unregister();
      try {
        const renewed = this.check(renewal, roles);
        if (!connection.renew(renewed)) {
          throw new InvalidTokenException('malformed', 'The token is of another subject');
        }
        claimsBySocket.set(socket, renewed);
        confirm(renewed.exp);
      } catch (error) {
        connection.unregister();
        this.refuse(close, error);
      }
    });
    this.metrics.recordAccepted();
    return claims;
  }

  private acceptWebSocket(
    socket: LiveSocket,
    token: string | undefined,
    options: LiveSocketOptions,
  ): AccessTokenClaims | undefined {
    return this.accept(
      socket,
      token,
      this.rolesOf(options),
      (code, reason) => socket.close(code, reason),
      (renew) => {
        socket.on('message', (data, isBinary) => {
          const renewal = isBinary ? undefined : messageToken(data, REAUTHENTICATE_EVENT);
          if (renewal !== undefined) renew(renewal);
        });
        socket.once('close', () => renew(null));
      },
      (exp) => socket.send(JSON.stringify({ event: REAUTHENTICATED_EVENT, data: { exp } })),
    );
  }

  private rolesOf(options: LiveSocketOptions): string[] | undefined {
    if (options.roles || !options.gateway) return options.roles;
    const { gateway } = options;
    const type = typeof gateway === 'function' ? gateway : gateway.constructor;
    return this.reflector.get(Roles, type as Type);
  }

  private check(token: string, roles: string[] | undefined): AccessTokenClaims {
    const claims = this.verifier.verifyAccessToken(token);
    this.revocations.assertNotRevoked(claims);
    if (roles?.length && !roles.some((role) => claims.roles.includes(role))) {
      throw new InsufficientScopeException();
    }
    return claims;
  }

  private refuse(close: (code: number, reason: string) => void, error: unknown): void {
    this.metrics.recordRejected(rejectionReason(error));
    if (error instanceof InsufficientScopeException) {
      close(LIVE_FORBIDDEN_CLOSE_CODE, 'insufficient_scope');
    } else if (error instanceof RevocationUnavailableException) {
      close(LIVE_UNAVAILABLE_CLOSE_CODE, 'revocation_unavailable');
    } else if (error instanceof ClaimsChangedException) {
      close(LIVE_CLOSE_CODE, 'claims_changed');
    } else if (error instanceof TokenRevokedException) {
      close(LIVE_CLOSE_CODE, 'token_revoked');
    } else if (error instanceof HttpException || error instanceof Error) {
      close(LIVE_CLOSE_CODE, 'invalid_token');
    } else {
      throw error;
    }
  }
}

/** The token of an `event` message (`''` when it has none), or `undefined` for any other message. */
function messageToken(data: unknown, event: string): string | undefined {
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : typeof data === 'string' ? data : '';
  if (!text.includes(event)) return undefined;
  try {
    const message = JSON.parse(text) as { event?: unknown; data?: { token?: unknown } };
    if (message.event !== event) return undefined;
    return typeof message.data?.token === 'string' ? message.data.token : '';
  } catch {
    return undefined;
  }
}
