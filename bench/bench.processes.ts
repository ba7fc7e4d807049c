import { ChildProcess, execFile, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type {
  LoadGeneratorReply,
  LoadGeneratorRequest,
  LoadResult,
  ServerCpu,
  ServerReady,
} from './bench.messages';
import { Adapter, PEER_PATH, Scenario } from './bench.shared';

/** The processes of a run: servers pinned to one core, the load generator to the other, probes. */
const run = promisify(execFile);
const TWO_CORES = cpus().length >= 2;
export const SERVER_CPU = '0';
export const LOADGEN_CPU = '1';
export const PINNED = TWO_CORES;

const BEGAN = Date.now();

export function log(message: string): void {
  const at = ((Date.now() - BEGAN) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[bench ${at} s] ${message}\n`);
}

/** Moves a running process (all its threads) to one core, when the machine has two. */
export async function pin(pid: number, cpu: string): Promise<void> {
  if (TWO_CORES) await run('taskset', ['-a', '-p', '-c', cpu, String(pid)]);
}

export interface Server {
  scenario: Scenario;
  adapter: Adapter;
  port: number;
  /** The route loaded: `/ping` (the scenario's), or `PEER_PATH` for its same-process peer. */
  path?: string;
  token: string;
  tokensFile?: string;
  child: ChildProcess;
}

/** `server`'s same-process peer route, as a server of the peer's scenario for the phases. */
export function peerRoute(server: Server, peer: Scenario): Server {
  return { ...server, scenario: peer, path: PEER_PATH };
}

/** Starts a server on any core (they start side by side), then pins it to the server core. */
export function startServer(
  scenario: Scenario,
  adapter: Adapter,
  env: Record<string, string>,
): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', join(__dirname, 'bench.server.js')], {
    env: { ...process.env, ...env, SCENARIO: scenario, ADAPTER: adapter, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const end = out.indexOf('\n');
      if (end < 0) return;
      const ready = JSON.parse(out.slice(0, end)) as ServerReady;
      const server: Server = { scenario, adapter, ...ready, child };
      pin(child.pid!, SERVER_CPU).then(() => ok(server), fail);
    });
    child.on('exit', (code) => fail(new Error(`${scenario}/${adapter} exited ${code}: ${err}`)));
  });
}

/** The server's CPU and GC time so far (`GET /__cpu`). */
export async function serverCpu(server: Server): Promise<ServerCpu> {
  const response = await fetch(`http://127.0.0.1:${server.port}/__cpu`);
  return (await response.json()) as ServerCpu;
}

/** The load generator process, pinned to its own core; see loadgen.ts. */
export class LoadGenerator {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, { ok(r: LoadResult): void; fail(e: Error): void }>();

  constructor(private readonly connections: number) {
    const args = [join(__dirname, 'loadgen.js')];
    const [cmd, argv] = TWO_CORES
      ? ['taskset', ['-c', LOADGEN_CPU, process.execPath, ...args]]
      : [process.execPath, args];
    this.child = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: LoadGeneratorReply) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if ('result' in m) w?.ok(m.result);
      else w?.fail(new Error(`load generator: ${m.error}`));
    });
  }

  /** Loads `server` for `seconds` (at most `rate` req/s when given); `stop` ends it early. */
  start(
    server: Pick<Server, 'port' | 'path' | 'token' | 'tokensFile'>,
    seconds: number,
    options: { rate?: number; tokensFile?: string } = {},
  ) {
    const id = ++this.nextId;
    const done = new Promise<LoadResult>((ok, fail) => this.waiting.set(id, { ok, fail }));
    this.send({
      type: 'load',
      id,
      url: `http://127.0.0.1:${server.port}${server.path ?? '/ping'}`,
      token: server.token,
      tokensFile: options.tokensFile ?? server.tokensFile,
      connections: this.connections,
      seconds,
      rate: options.rate,
    });
    return { done, stop: () => this.send({ type: 'stop', id }) };
  }

  run(
    server: Pick<Server, 'port' | 'path' | 'token' | 'tokensFile'>,
    seconds: number,
    options: { rate?: number; tokensFile?: string } = {},
  ): Promise<LoadResult> {
    return this.start(server, seconds, options).done;
  }

  close(): void {
    this.child.kill('SIGKILL');
  }

  private send(message: LoadGeneratorRequest): void {
    this.child.send(message);
  }
}

/** Runs a probe to its end and parses its last stdout line. */
export async function nodeJson<T>(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<T> {
  const { stdout } = await run(process.execPath, [...nodeArgs, join(__dirname, script)], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
