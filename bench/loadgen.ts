import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * The load generator: one long-lived process (pinned to its own core by the runner) that runs
 * load on request over IPC, so no run pays for starting a process.
 *
 * Without a rate it runs autocannon (closed loop: as many requests as the server answers). With a
 * rate it paces requests itself, evenly spaced: autocannon's `overallRate` sends each second's
 * quota as fast as it can and then waits for the next second, which is full load half the time,
 * not half load. Paced requests go out on schedule whatever the server does (the generator has its
 * own core), in small batches on each timer tick; each latency is timed from that request's
 * dispatch, to the microsecond.
 *
 * In:  { id, url, token, connections, seconds, rate? }  or  { id, stop: true }
 * Out: { id, result: LoadResult }  or  { id, error }
 */
const autocannon = require('autocannon') as (
  options: Record<string, unknown>,
  done: (error: Error | null, result: AutocannonResult) => void,
) => { stop(): void };

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
}

export interface LoadRequest {
  id: number;
  url: string;
  token: string;
  connections: number;
  seconds: number;
  rate?: number;
}

export interface LoadResult {
  rps: number;
  p99: number;
  mean: number;
  non2xx: number;
  errors: number;
}

const running = new Map<number, { stop(): void }>();

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Sends `rate` requests per second, evenly spaced, for `seconds`; see the note at the top. */
function paced(message: LoadRequest, rate: number): void {
  const url = new URL(message.url);
  const pool = new Pool(url.origin, { connections: message.connections, pipelining: 1 });
  const headers = { authorization: `Bearer ${message.token}` };
  const interval = 1000 / rate;
  const total = Math.floor(message.seconds * rate);
  const latencies = new Float64Array(total);
  let sent = 0;
  let answered = 0;
  let settled = 0;
  let non2xx = 0;
  let errors = 0;
  let stopped = false;
  const start = performance.now();
  const finish = () => {
    running.delete(message.id);
    const elapsed = (performance.now() - start) / 1000;
    const measured = latencies.subarray(0, answered).sort();
    let sum = 0;
    for (const l of measured) sum += l;
    const out: LoadResult = {
      rps: answered / elapsed,
      p99: percentile(measured, 99),
      mean: answered ? sum / answered : 0,
      non2xx,
      errors,
    };
    void pool.close();
    process.send!({ id: message.id, result: out });
  };
  const settle = () => {
    if (++settled === sent && (stopped || sent === total)) finish();
  };
  const fire = () => {
    const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
    while (!stopped && sent < due) {
      const sentAt = performance.now();
      sent++;
      pool.request({ path: url.pathname, method: 'GET', headers }).then(
        async (res) => {
          await res.body.dump();
          if (res.statusCode >= 200 && res.statusCode < 300) {
            latencies[answered++] = performance.now() - sentAt;
          } else non2xx++;
          settle();
        },
        () => {
          errors++;
          settle();
        },
      );
    }
    if (!stopped && sent < total)
      setTimeout(fire, Math.max(0, start + sent * interval - performance.now()));
  };
  running.set(message.id, {
    stop: () => {
      stopped = true;
      if (settled === sent) finish();
    },
  });
  fire();
}

process.on('message', (message: LoadRequest | { id: number; stop: true }) => {
  if ('stop' in message) {
    running.get(message.id)?.stop();
    return;
  }
  if (message.rate) return paced(message, message.rate);
  const instance = autocannon(
    {
      url: message.url,
      connections: message.connections,
      duration: message.seconds,
      headers: { authorization: `Bearer ${message.token}` },
    },
    (error, result) => {
      running.delete(message.id);
      if (error) return process.send!({ id: message.id, error: String(error) });
      const out: LoadResult = {
        rps: result.requests.average,
        p99: result.latency.p99,
        mean: result.latency.average,
        non2xx: result.non2xx,
        errors: result.errors,
      };
      process.send!({ id: message.id, result: out });
    },
  );
  running.set(message.id, instance);
});
process.on('disconnect', () => process.exit(0));
