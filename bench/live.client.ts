import { WebSocket } from 'ws';
import { now } from './bench.shared';
import type { LiveClientReply, LiveClientRequest } from './bench.messages';

/**
 * The clients of live.probe.ts, in their own process: opens one WebSocket per token (the token as
 * the `bearer.<jwt>` subprotocol, as browsers send it), reports when all are open, then when all
 * have been closed by the server, with the close codes seen.
 */
function reply(message: LiveClientReply): void {
  process.send!(message);
}

process.on('message', (request: LiveClientRequest) => {
  const codes: Record<string, number> = {};
  let open = 0;
  let closed = 0;
  const total = request.tokens.length;
  const connect = (i: number) => {
    const socket = new WebSocket(request.url, ['live.v1', `bearer.${request.tokens[i]}`]);
    socket.on('open', () => {
      if (++open === total) reply({ type: 'opened' });
      // Opened a few at a time: 10,000 handshakes at once overflow the listen backlog.
      if (i + BATCH < total) connect(i + BATCH);
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      codes[code] = (codes[code] ?? 0) + 1;
      if (++closed === total) reply({ type: 'closed', at: now(), codes });
    });
  };
  for (let i = 0; i < Math.min(BATCH, total); i++) connect(i);
});
process.on('disconnect', () => process.exit(0));

const BATCH = 200;
