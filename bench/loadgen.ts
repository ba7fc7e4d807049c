/**
 * The load generator: one long-lived process (pinned to its own core by the runner) that runs
 * autocannon on request over IPC, so no run pays for starting a process.
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

process.on('message', (message: LoadRequest | { id: number; stop: true }) => {
  if ('stop' in message) {
    running.get(message.id)?.stop();
    return;
  }
  const instance = autocannon(
    {
      url: message.url,
      connections: message.connections,
      duration: message.seconds,
      headers: { authorization: `Bearer ${message.token}` },
      ...(message.rate ? { overallRate: Math.round(message.rate) } : {}),
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
