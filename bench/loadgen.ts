import { performance } from 'node:perf_hooks';
import { connect, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type {
  LoadGeneratorReply,
  LoadGeneratorRequest,
  LoadRequest,
  LoadResult,
} from './bench.messages';
import { percentile } from './bench.shared';

/**
 * The load generator: one long-lived process (pinned to its own core by the runner) that runs
 * load on request over IPC, so no run pays for starting a process.
 *
 * Without a rate it runs autocannon (closed loop: as many requests as the server answers). With a
 * rate it paces requests itself, evenly spaced: autocannon's `overallRate` sends each second's
 * quota as fast as it can and then waits for the next second, which is full load half the time,
 * not half load. Paced requests are due on schedule whatever the server does (the generator has its
 * own core), in small batches on each timer tick; each latency is timed from when its request was
 * due (it waits for a free connection when all are busy), to the microsecond.
 *
 * Messages: `LoadGeneratorRequest` in, `LoadGeneratorReply` out (bench.messages.ts). With a
 * `tokensFile`, each request carries the next token of the file (the cache-hostile scenario).
 */
const autocannon = require('autocannon') as (
  options: Record<string, unknown>,
  done: (error: Error | null, result: AutocannonResult) => void,
) => { stop(): void };

interface AutocannonResult {
  requests: { total: number };
  /** Seconds, measured by autocannon from its start to its stop. */
  duration: number;
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
}

const running = new Map<number, { stop(): void }>();

interface Connection {
  socket: Socket;
  since: number;
  busy: boolean;
  buffer: Buffer;
}

/**
 * Sends `rate` requests per second, evenly spaced, for `seconds`, over plain keep-alive sockets
 * with one request in flight each (an HTTP client library costs more per request than the servers
 * measured here, and became the bottleneck): see the note at the top.
 */
function paced(message: LoadRequest, rate: number): void {
  const url = new URL(message.url);
  const request = Buffer.from(
    `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${message.token}\r\n\r\n`,
  );
  const interval = 1000 / rate;
  const total = Math.floor(message.seconds * rate);
  const latencies = new Float64Array(total);
  const idle: Connection[] = [];
  const queued: number[] = [];
  let sent = 0;
  let settled = 0;
  let answered = 0;
  let non2xx = 0;
  let errors = 0;
  let stopped = false;
  let finished = false;
  const start = performance.now();

  const finish = () => {
    if (finished) return;
    finished = true;
    running.delete(message.id);
    const elapsed = (performance.now() - start) / 1000;
    const measured = latencies.subarray(0, answered);
    let sum = 0;
    for (const l of measured) sum += l;
    for (const c of connections) c.socket.destroy();
    const out: LoadResult = {
      rps: answered / elapsed,
      requests: answered,
      p99: percentile(measured, 99),
      mean: answered ? sum / answered : 0,
      non2xx,
      errors,
    };
    reply({ id: message.id, result: out });
  };
  const settle = () => {
    if (++settled === total) finish();
  };
  const send = (c: Connection, since: number) => {
    c.since = since;
    c.busy = true;
    c.socket.write(request);
  };
  const release = (c: Connection) => {
    c.busy = false;
    if (c.socket.destroyed) return;
    const since = queued.shift();
    if (since !== undefined) send(c, since);
    else idle.push(c);
  };
  const connections = Array.from({ length: message.connections }, () => {
    const c: Connection = {
      socket: connect(Number(url.port), url.hostname),
      since: 0,
      busy: false,
      buffer: Buffer.alloc(0),
    };
    c.socket.setNoDelay(true);
    c.socket.on('connect', () => release(c));
    c.socket.on('data', (chunk: Buffer) => {
      c.buffer = c.buffer.length ? Buffer.concat([c.buffer, chunk]) : chunk;
      for (;;) {
        const end = c.buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = c.buffer.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
        if (Number.isNaN(length)) {
          errors++;
          c.busy = false;
          c.socket.destroy();
          return settle();
        }
        if (c.buffer.length < end + 4 + length) return;
        c.buffer = c.buffer.subarray(end + 4 + length);
        const status = Number(head.slice(9, 12));
        if (status >= 200 && status < 300) latencies[answered++] = performance.now() - c.since;
        else non2xx++;
        settle();
        release(c);
      }
    });
    c.socket.on('error', () => undefined);
    c.socket.on('close', () => {
      if (!c.busy || finished) return;
      c.busy = false;
      errors++;
      settle();
    });
    return c;
  });
  const fire = () => {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - start) / interval) + 1);
    while (!stopped && sent < due) {
      sent++;
      const c = idle.pop();
      if (c) send(c, now);
      else queued.push(now);
    }
    if (!stopped && sent < total)
      setTimeout(fire, Math.max(0, start + sent * interval - performance.now()));
  };
  running.set(message.id, {
    stop: () => {
      stopped = true;
      finish();
    },
  });
  fire();
}

function reply(message: LoadGeneratorReply): void {
  process.send!(message);
}

const tokenFiles = new Map<string, string[]>();
/**
 * Where each tokens file's next run goes on: a run that started again from the first token would
 * send the same few thousand tokens in every short slice, which the token cache then holds.
 */
const tokenCursors = new Map<string, number>();

/** The `authorization` values of a tokens file, read once. */
function authorizations(file: string): string[] {
  let values = tokenFiles.get(file);
  if (!values) {
    values = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((token) => `Bearer ${token}`);
    tokenFiles.set(file, values);
  }
  return values;
}

process.on('message', (message: LoadGeneratorRequest) => {
  if (message.type === 'stop') {
    running.get(message.id)?.stop();
    return;
  }
  if (message.rate) return paced(message, message.rate);
  const file = message.tokensFile;
  const pool = file ? authorizations(file) : undefined;
  let next = file ? (tokenCursors.get(file) ?? 0) : 0;
  const instance = autocannon(
    {
      url: message.url,
      connections: message.connections,
      duration: message.seconds,
      // autocannon stops at its next sample tick: at the default 1 s, a 0.5 s slice ran for 1 s.
      sampleInt: 100,
      headers: { authorization: `Bearer ${message.token}` },
      ...(pool && {
        requests: [
          {
            setupRequest: (request: { headers: Record<string, string> }) => {
              request.headers = { ...request.headers, authorization: pool[next++ % pool.length] };
              return request;
            },
          },
        ],
      }),
    },
    (error, result) => {
      running.delete(message.id);
      if (file) tokenCursors.set(file, next % pool!.length);
      if (error) return reply({ id: message.id, error: String(error) });
      const out: LoadResult = {
        rps: result.requests.total / result.duration,
        requests: result.requests.total,
        p99: result.latency.p99,
        mean: result.latency.average,
        non2xx: result.non2xx,
        errors: result.errors,
      };
      reply({ id: message.id, result: out });
    },
  );
  running.set(message.id, instance);
});
process.on('disconnect', () => process.exit(0));
