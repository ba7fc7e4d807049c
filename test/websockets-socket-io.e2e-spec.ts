import { INestApplication, Inject, Module, UseGuards } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { Test } from '@nestjs/testing';
import {
  OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
  WsResponse,
} from '@nestjs/websockets';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  JwtRevocationModule,
  LiveConnectionRegistry,
  MemoryRevocationStore,
  RevocationService,
  Roles,
  SessionService,
} from 'nestjs-jwt-revocation';
import {
  LIVE_CLOSED_EVENT,
  LiveSocketAuthenticator,
  LiveSocketGuard,
  liveClaimsOf,
} from 'nestjs-jwt-revocation/websockets';
import type { Socket as ServerSocket } from 'socket.io';
import { io, Socket } from 'socket.io-client';
import { until } from './support/until';

@WebSocketGateway()
class FeedGateway implements OnGatewayConnection<ServerSocket> {
  constructor(@Inject(LiveSocketAuthenticator) private readonly live: LiveSocketAuthenticator) {}

  handleConnection(socket: ServerSocket): void {
    const claims = this.live.authenticateSocketIo(socket);
    if (claims) socket.emit('ready', { sub: claims.sub });
  }

  @UseGuards(LiveSocketGuard)
  @SubscribeMessage('whoami')
  whoami(socket: ServerSocket): WsResponse<{ sub: string }> {
    return { event: 'you', data: { sub: liveClaimsOf(socket)!.sub } };
  }

  @UseGuards(LiveSocketGuard)
  @Roles(['admin'])
  @SubscribeMessage('admin')
  admin(): WsResponse<{ ok: boolean }> {
    return { event: 'admin_ok', data: { ok: true } };
  }
}

@Module({
  imports: [
    JwtRevocationModule.forRoot({
      secret: 'socket-io-e2e-secret-that-is-at-least-32-bytes',
      store: new MemoryRevocationStore(),
      pollInterval: 0,
    }),
  ],
  providers: [LiveSocketAuthenticator, FeedGateway],
})
class FeedModule {}

/** A socket.io client and how its server ended it. */
class Client {
  readonly socket: Socket;
  readonly closedWith: Promise<{ reason: string }>;
  readonly events: [string, unknown][] = [];

  constructor(port: number, token?: string) {
    this.socket = io(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
      auth: token === undefined ? {} : { token },
    });
    this.socket.onAny((event: string, data: unknown) => this.events.push([event, data]));
    this.closedWith = new Promise((resolve) =>
      this.socket.on(LIVE_CLOSED_EVENT, (data: { reason: string }) => resolve(data)),
    );
  }

  async next(event: string): Promise<unknown> {
    await until(() => this.events.some(([name]) => name === event), 2000, `${event} event`);
    return this.events.find(([name]) => name === event)![1];
  }

  async disconnected(): Promise<void> {
    await until(() => !this.socket.connected, 2000, 'disconnected');
  }
}

describe('socket.io gateway with LiveSocketAuthenticator', () => {
  let app: INestApplication;
  let port: number;
  let sessions: SessionService;
  let revocations: RevocationService;
  const clients: Client[] = [];
  const connect = (token?: string) => {
    const client = new Client(port, token);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [FeedModule] }).compile();
    app = moduleRef.createNestApplication({ logger: ['error'] });
    app.useWebSocketAdapter(new IoAdapter(app));
    await app.listen(0, '127.0.0.1');
    port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
    sessions = app.get(SessionService);
    revocations = app.get(RevocationService);
  });
  afterAll(async () => {
    for (const client of clients) client.socket.disconnect();
    await app.close();
  });

  it('accepts the token of the handshake auth payload and guards messages by role', async () => {
    const pair = await sessions.issue('u1', { roles: ['user'] });
    const client = connect(pair.accessToken);
    expect(await client.next('ready')).toEqual({ sub: 'u1' });
    client.socket.emit('whoami');
    expect(await client.next('you')).toEqual({ sub: 'u1' });
    client.socket.emit('admin');
    expect(await client.next('exception')).toEqual(
      expect.objectContaining({ message: 'insufficient_scope' }),
    );
    expect(client.events.some(([name]) => name === 'admin_ok')).toBe(false);
  });

  it.each([
    ['no token', undefined, 'token_required'],
    ['a malformed token', 'not-a-jwt', 'invalid_token'],
  ])('refuses %s', async (_name, token, reason) => {
    const client = connect(token);
    expect(await client.closedWith).toEqual({ reason });
    await client.disconnected();
  });

  it('refuses a revoked token', async () => {
    const pair = await sessions.issue('u2');
    await revocations.revokeSession(pair.sessionId, { reason: 'logout' });
    const client = connect(pair.accessToken);
    expect(await client.closedWith).toEqual({ reason: 'token_revoked' });
  });

  it.each([
    [
      'session',
      (pair: { sessionId: string }) =>
        revocations.revokeSession(pair.sessionId, { reason: 'logout' }),
    ],
    ['user-wide', () => revocations.revokeUser('u3', { reason: 'password_change' })],
    ['global', () => revocations.revokeAll({ reason: 'compromised' })],
  ])('disconnects the socket after a %s revocation', async (_name, revoke) => {
    const pair = await sessions.issue('u3');
    const client = connect(pair.accessToken);
    await client.next('ready');
    await revoke(pair);
    expect(await client.closedWith).toEqual({ reason: 'token_revoked' });
    await client.disconnected();
  });

  it('renews in-band and forgets the socket when it leaves', async () => {
    const first = await sessions.issue('u4');
    const client = connect(first.accessToken);
    await client.next('ready');
    const second = await sessions.issue('u4');
    client.socket.emit('reauthenticate', { token: second.accessToken });
    expect(await client.next('reauthenticated')).toEqual({ exp: expect.any(Number) });
    await revocations.revokeSession(first.sessionId, { reason: 'logout' });
    client.socket.emit('whoami');
    expect(await client.next('you')).toEqual({ sub: 'u4' });
    const registry = app.get(LiveConnectionRegistry);
    const before = registry.size;
    client.socket.disconnect();
    await until(() => registry.size === before - 1, 2000, 'unregistered');
  });
});
