import { fork } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import {
  AccessTokenClaims,
  LiveConnectionRegistry,
  RevocationService,
  SessionService,
} from 'nestjs-jwt-revocation';
import { LiveSocketAuthenticator, selectSubprotocol } from 'nestjs-jwt-revocation/websockets';
import { WebSocket, WebSocketServer } from 'ws';
import { benchContext, collectGarbage as gc, runProbe } from './bench.context';
import { now } from './bench.shared';
import type { LiveClientReply, LiveClientRequest, LiveProbeResult } from './bench.messages';

/**
 * Live connections (issue 13), in one process with --expose-gc:
 * - the registry's own memory for SOCKETS idle connections, each registered with its own claims
 *   object and close callback as the authenticator does (faithful fakes: no socket, so that the
 *   figure is the registry's and not `ws`'s);
 * - SOCKETS real WebSocket connections (the `ws` server here, the clients in a child process),
 *   authenticated by `LiveSocketAuthenticator` with the `bearer.<jwt>` subprotocol, then one
 *   user-wide revocation: the time to close them all (the registry's fan-out, synchronous with the
 *   revocation on this instance) and until every client saw its 4401 close frame; and the
 *   revocation of another user, with as many sockets registered, that closes none of them.
 */
const SOCKETS = Number(process.env.SOCKETS ?? 10_000);
const SESSIONS = 100;

function heapMb(): number {
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1048576;
}

async function main(): Promise<LiveProbeResult> {
  const app = await benchContext({}, [LiveSocketAuthenticator]);
  const sessions = app.get(SessionService);
  const revocations = app.get(RevocationService);
  const registry = app.get(LiveConnectionRegistry);
  const authenticator = app.get(LiveSocketAuthenticator);

  const pairs: { accessToken: string; claims: AccessTokenClaims }[] = [];
  for (let i = 0; i < SESSIONS; i++) pairs.push(await sessions.issue('live-user'));

  // The registry alone.
  const claims: AccessTokenClaims[] = Array.from({ length: SOCKETS }, (_, i) =>
    structuredClone(pairs[i % SESSIONS].claims),
  );
  gc();
  const before = heapMb();
  const fakes = claims.map((c) => registry.register(c, () => undefined));
  gc();
  const registryMb = heapMb() - before;
  for (const fake of fakes) fake.unregister();
  fakes.length = 0;

  // Real sockets.
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: selectSubprotocol,
  });
  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    authenticator.authenticate(socket, request);
  });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  const client = fork(__filename.replace('live.probe', 'live.client'), [], { stdio: 'inherit' });
  const reply = (type: LiveClientReply['type']) =>
    new Promise<LiveClientReply>((resolve) => {
      const onMessage = (m: LiveClientReply) => {
        if (m.type !== type) return;
        client.off('message', onMessage);
        resolve(m);
      };
      client.on('message', onMessage);
    });
  gc();
  const beforeSockets = heapMb();
  const opened = reply('opened');
  const request: LiveClientRequest = {
    type: 'open',
    url: `ws://127.0.0.1:${port}`,
    tokens: Array.from({ length: SOCKETS }, (_, i) => pairs[i % SESSIONS].accessToken),
  };
  client.send(request);
  await opened;
  while (registry.size < SOCKETS) await new Promise((r) => setTimeout(r, 10));
  gc();
  const socketsMb = heapMb() - beforeSockets;

  // Another user's revocation: every socket is registered, none is closed.
  const otherStarted = now();
  await revocations.revokeUser('someone-else', { reason: 'admin' });
  const otherMs = now() - otherStarted;
  if (registry.size !== SOCKETS) throw new Error('a revocation of another user closed sockets');

  const closed = reply('closed');
  const started = now();
  await revocations.revokeUser('live-user', { reason: 'admin' });
  const callMs = now() - started;
  // The registry closes the sockets in chunks after the call returns.
  const drainBy = now() + 60_000;
  while (registry.size > 0 && now() < drainBy) await new Promise((r) => setTimeout(r, 1));
  const fanOutMs = now() - started;
  if (registry.size !== 0) throw new Error(`${registry.size} sockets left open after 60 s`);
  const { at, codes } = (await closed) as Extract<LiveClientReply, { type: 'closed' }>;
  if (codes['4401'] !== SOCKETS) throw new Error(`close codes: ${JSON.stringify(codes)}`);
  client.kill();
  server.close();
  await app.close();
  return {
    sockets: SOCKETS,
    registry_mb: registryMb,
    registry_bytes_per_socket: Math.round((registryMb * 1048576) / SOCKETS),
    real_sockets_mb: socketsMb,
    revoke_user_call_ms: callMs,
    revoke_user_fan_out_ms: fanOutMs,
    revoke_user_all_clients_closed_ms: at - started,
    revoke_other_user_ms: otherMs,
  };
}

runProbe(main);
