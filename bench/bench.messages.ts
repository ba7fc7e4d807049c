/**
 * Messages between the runner (run.ts) and the processes it starts: the load generator (IPC), the
 * servers (one JSON line on stdout, then HTTP) and the probes (their last stdout line).
 */

/** Runner -> load generator: load `url` for `seconds`, at most `rate` req/s when given. */
export interface LoadRequest {
  type: 'load';
  id: number;
  url: string;
  /** One token for every request, or a file of tokens (one a line) sent in turn, one per request. */
  token: string;
  tokensFile?: string;
  connections: number;
  seconds: number;
  rate?: number;
}

/** Runner -> load generator: end load `id` early. */
export interface LoadStop {
  type: 'stop';
  id: number;
}

export type LoadGeneratorRequest = LoadRequest | LoadStop;

export interface LoadResult {
  rps: number;
  requests: number;
  p99: number;
  mean: number;
  non2xx: number;
  errors: number;
}

/** Load generator -> runner. */
export type LoadGeneratorReply = { id: number; result: LoadResult } | { id: number; error: string };

/** Server -> runner, first stdout line: where it listens and a valid token. */
export interface ServerReady {
  type: 'ready';
  port: number;
  token: string;
  /** For the cache-hostile scenario: a file of distinct valid tokens. */
  tokensFile?: string;
}

/** `GET /__cpu` of every bench server: its CPU and GC time so far, to divide by the requests served. */
export interface ServerCpu {
  cpu_us: number;
  gc_ms: number;
  heap_mb: number;
}

/** Nanoseconds per call of one step, timed call by call. */
export interface CallCost {
  calls: number;
  p50_ns: number;
  p99_ns: number;
  p999_ns: number;
}

/** The revocation check alone, then the guard's steps on a repeated token (check.probe.ts). */
export interface CheckProbeResult extends CallCost {
  /** Absent in runs before it. */
  guard?: Record<'extract' | 'verify_cached' | 'guard', CallCost>;
}

export interface MemoryProbeResult {
  entries: number;
  heap_mb: number;
  array_buffers_mb: number;
  total_mb: number;
  /** The verified-token cache holding 100k distinct access tokens. */
  token_cache_100k_mb: number;
  token_cache_100k_estimated_mb: number;
}

export interface LoadProbeResult {
  entries?: number;
  ready_ms?: number;
  revoke_user_ms?: RevokeUserCost;
}

/** live.probe.ts -> its client process. */
export interface LiveClientRequest {
  type: 'open';
  url: string;
  tokens: string[];
}

/** live.client.ts -> live.probe.ts. */
export type LiveClientReply =
  { type: 'opened' } | { type: 'closed'; at: number; codes: Record<string, number> };

export interface LiveProbeResult {
  sockets: number;
  /** Heap held by the registry for `sockets` connections (claims, entries, indexes, timers). */
  registry_mb: number;
  registry_bytes_per_socket: number;
  /** Heap and external memory of the server process for as many real `ws` connections. */
  real_sockets_mb: number;
  /** From the user-wide revocation call to its return (the sockets close after it, in chunks). */
  revoke_user_call_ms: number;
  /** From the same call to every socket closed by this instance. */
  revoke_user_fan_out_ms: number;
  /** From the same call to the client process having seen all 4401 close frames. */
  revoke_user_all_clients_closed_ms: number;
  /** A user-wide revocation of a user with no socket, with all the others registered. */
  revoke_other_user_ms: number;
}

export interface PropagationPhase {
  p50: number;
  p99: number;
  max: number;
  samples: number;
  /** How late B's event loop ran during the phase (perf_hooks.monitorEventLoopDelay). */
  b_event_loop_delay_ms: { p99: number; max: number };
}

/** propagation.probe.ts -> runner, one JSON line each on stdout. */
export type PropagationLine =
  | { type: 'ready'; port: number; token: string; pid: number }
  | { type: 'idle'; phase: PropagationPhase }
  | { type: 'load'; phase: PropagationPhase };

/** Median ms of a user-wide revocation for a user with 1 and with 10,000 live sessions. */
export interface RevokeUserTimes {
  live_1: number;
  live_10000: number;
}

/** Uncounted (`count: false`) and counted (`revoked` returned) user-wide revocations. */
export interface RevokeUserCost {
  uncounted: RevokeUserTimes;
  counted: RevokeUserTimes;
}
