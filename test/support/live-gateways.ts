import { INestApplication, Inject, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { Test } from '@nestjs/testing';
import {
  OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
  WsResponse,
} from '@nestjs/websockets';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtRevocationModule } from 'nestjs-jwt-revocation';
import type { JwtRevocationModuleOptions } from 'nestjs-jwt-revocation';
import {
  AuthorizeSocket,
  LIVE_CLOSED_EVENT,
  LiveSocketAuthenticator,
  liveClaimsOf,
  selectSubprotocol,
} from 'nestjs-jwt-revocation/websockets';
import type { Socket as ServerSocket } from 'socket.io';
import { io, Socket as IoClientSocket } from 'socket.io-client';
import WebSocket from 'ws';
import { until, within } from './until';

/** The two `@nestjs/websockets` adapters. */
export type SocketAdapterKind = 'ws' | 'socket.io';

/** The real subprotocol `ws` clients offer next to `bearer.<token>`. */
const FEED_PROTOCOL = 'feed.v1';

type AnySocket = WebSocket | ServerSocket;

/** How long `/inbox` waits for the `authenticate` message. */
export const FIRST_MESSAGE_TIMEOUT_MS = 500;

/**
 * Two gateways per adapter, decorated alike (and a third for `ws`, below): `/feed` open to any signed-in user (with an
 * admin-only message), `/staff` gated by `@AuthorizeSocket('staff')` at connection and per message
 * (with an `audit` message that needs `auditor` instead).
 */
function gateways(kind: SocketAdapterKind) {
  const where = (name: string) =>
    kind === 'ws' ? { path: `/${name}`, handleProtocols: selectSubprotocol } : { namespace: name };
  const send = (socket: AnySocket, event: string, data: unknown) =>
    kind === 'ws'
      ? (socket as WebSocket).send(JSON.stringify({ event, data }))
      : (socket as ServerSocket).emit(event, data);
  const authenticate = (
    live: LiveSocketAuthenticator,
    socket: AnySocket,
    request: IncomingMessage,
    gateway: object,
  ) =>
    kind === 'ws'
      ? live.authenticate(socket as WebSocket, request, { gateway })
      : live.authenticateSocketIo(socket as ServerSocket, { gateway });

  @WebSocketGateway(where('feed'))
  class FeedGateway implements OnGatewayConnection<AnySocket> {
    constructor(@Inject(LiveSocketAuthenticator) private readonly live: LiveSocketAuthenticator) {}

    handleConnection(socket: AnySocket, request: IncomingMessage): void {
      const claims = authenticate(this.live, socket, request, this);
      if (claims) send(socket, 'ready', { sub: claims.sub });
    }

    @AuthorizeSocket()
    @SubscribeMessage('whoami')
    whoami(socket: AnySocket): WsResponse<{ sub: string }> {
      return { event: 'you', data: { sub: liveClaimsOf(socket)!.sub } };
    }

    @AuthorizeSocket('admin')
    @SubscribeMessage('admin')
    admin(): WsResponse<{ ok: boolean }> {
      return { event: 'admin_ok', data: { ok: true } };
    }
  }

  @AuthorizeSocket('staff')
  @WebSocketGateway(where('staff'))
  class StaffGateway implements OnGatewayConnection<AnySocket> {
    constructor(@Inject(LiveSocketAuthenticator) private readonly live: LiveSocketAuthenticator) {}

    handleConnection(socket: AnySocket, request: IncomingMessage): void {
      const claims = authenticate(this.live, socket, request, this);
      if (claims) send(socket, 'ready', { sub: claims.sub });
    }

    @SubscribeMessage('roster')
    roster(): WsResponse<{ ok: boolean }> {
      return { event: 'roster_ok', data: { ok: true } };
    }

    @AuthorizeSocket('auditor')
    @SubscribeMessage('audit')
    audit(): WsResponse<{ ok: boolean }> {
      return { event: 'audit_ok', data: { ok: true } };
    }
  }

  /** `ws` only: the token may come as the first message instead (socket.io has its auth payload). */
  @WebSocketGateway(where('inbox'))
  class InboxGateway implements OnGatewayConnection<WebSocket> {
    constructor(@Inject(LiveSocketAuthenticator) private readonly live: LiveSocketAuthenticator) {}

    async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
      const claims = await this.live.authenticateFirstMessage(socket, request, {
        gateway: this,
        timeoutMs: FIRST_MESSAGE_TIMEOUT_MS,
      });
      if (claims) send(socket, 'ready', { sub: claims.sub });
    }

    @AuthorizeSocket()
    @SubscribeMessage('whoami')
    whoami(socket: WebSocket): WsResponse<{ sub: string }> {
      return { event: 'you', data: { sub: liveClaimsOf(socket)!.sub } };
    }
  }

  return kind === 'ws' ? [FeedGateway, StaffGateway, InboxGateway] : [FeedGateway, StaffGateway];
}

/** A Nest app of the library alone with the gateways above, listening on a random loopback port. */
export class LiveGatewayApp {
  private readonly clients: LiveTestClient[] = [];

  private constructor(
    readonly kind: SocketAdapterKind,
    readonly app: INestApplication,
    readonly port: number,
  ) {}

  static async start(
    kind: SocketAdapterKind,
    options: JwtRevocationModuleOptions,
  ): Promise<LiveGatewayApp> {
    @Module({
      imports: [EventEmitterModule.forRoot(), JwtRevocationModule.forRoot(options)],
      providers: [LiveSocketAuthenticator, ...gateways(kind)],
    })
    class LiveGatewayModule {}

    const moduleRef = await Test.createTestingModule({ imports: [LiveGatewayModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: ['error'] });
    app.useWebSocketAdapter(kind === 'ws' ? new WsAdapter(app) : new IoAdapter(app));
    await app.listen(0, '127.0.0.1');
    const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
    return new LiveGatewayApp(kind, app, port);
  }

  /** Opens `/feed` or `/staff` with `token` (none: no token at all). */
  connect(gateway: 'feed' | 'staff' | 'inbox', token?: string): LiveTestClient {
    const client =
      this.kind === 'ws'
        ? new WsTestClient(this.port, gateway, token)
        : new IoTestClient(this.port, gateway, token);
    this.clients.push(client);
    return client;
  }

  /** How a connection the server ended is seen by this adapter's client: a close code or not. */
  ended(code: number, reason: string): Ended {
    return this.kind === 'ws' ? { code, reason } : { reason };
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.leave();
    await this.app.close();
  }
}

/** How the server ended a connection: `ws` close code and reason, or socket.io's `live_closed` reason. */
export interface Ended {
  code?: number;
  reason: string;
}

/** One client of either adapter, recording what it received. */
export abstract class LiveTestClient {
  readonly events: { event: string; data: unknown }[] = [];
  /** Resolves once the server ended the connection. */
  protected abstract readonly ended: Promise<Ended>;

  /** How the server ended the connection (waiting for it up to `timeoutMs`). */
  closed(timeoutMs = 3000): Promise<Ended> {
    return within(this.ended, timeoutMs, 'connection ended');
  }

  abstract emit(event: string, data?: unknown): void;
  /** Closes the connection from the client side. */
  abstract leave(): void;

  protected received(event: string, data: unknown): void {
    this.events.push({ event, data });
  }

  /** The first message named `event` (waiting for it up to `timeoutMs`). */
  async next(event: string, timeoutMs = 2000): Promise<unknown> {
    await until(() => this.has(event), timeoutMs, `${event} event`);
    return this.events.find((message) => message.event === event)!.data;
  }

  has(event: string): boolean {
    return this.events.some((message) => message.event === event);
  }
}

class WsTestClient extends LiveTestClient {
  protected readonly ended: Promise<Ended>;
  private readonly socket: WebSocket;

  constructor(port: number, gateway: string, token: string | undefined) {
    super();
    const offered = token === undefined ? [FEED_PROTOCOL] : [FEED_PROTOCOL, `bearer.${token}`];
    this.socket = new WebSocket(`ws://127.0.0.1:${port}/${gateway}`, offered);
    this.socket.on('message', (raw) => {
      const { event, data } = JSON.parse(String(raw)) as { event: string; data: unknown };
      this.received(event, data);
    });
    this.ended = new Promise((resolve) =>
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  emit(event: string, data?: unknown): void {
    const message = JSON.stringify({ event, data });
    if (this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.once('open', () => this.socket.send(message));
    } else {
      this.socket.send(message);
    }
  }

  leave(): void {
    this.socket.terminate();
  }
}

class IoTestClient extends LiveTestClient {
  protected readonly ended: Promise<Ended>;
  private readonly socket: IoClientSocket;

  constructor(port: number, gateway: string, token: string | undefined) {
    super();
    this.socket = io(`http://127.0.0.1:${port}/${gateway}`, {
      transports: ['websocket'],
      reconnection: false,
      auth: token === undefined ? {} : { token },
    });
    this.socket.onAny((event: string, data: unknown) => this.received(event, data));
    // `live_closed` precedes the server's disconnect on the wire.
    this.ended = new Promise((resolve) =>
      this.socket.once('disconnect', (why) => {
        const closed = this.events.find((message) => message.event === LIVE_CLOSED_EVENT);
        resolve(closed ? (closed.data as Ended) : { reason: `disconnected: ${why}` });
      }),
    );
  }

  emit(event: string, data?: unknown): void {
    this.socket.emit(event, data);
  }

  leave(): void {
    this.socket.disconnect();
  }
}
