import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type {
  LoadProbeResult,
  LoadResult,
  PropagationLine,
  PropagationPhase,
  ServerCpu,
} from './bench.messages';
import {
  LoadGenerator,
  log,
  nodeJson,
  pin,
  Server,
  SERVER_CPU,
  serverCpu,
} from './bench.processes';
import type { BenchSettings } from './bench.settings';
import { median, medianCi95 } from './bench.shared';
import type { BenchResults, PairedRatio, ThroughputFigure } from './report';

/** The phases of a run, each a function of what it measures and the settings. */

function assertAllOk(server: Server, result: LoadResult): void {
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${server.scenario}/${server.adapter}: ${result.non2xx} non-2xx and ${result.errors} errors`,
    );
  }
}

/** Every server in turn, `rounds` times in alternating order; medians per server. */
export async function measureThroughput(
  load: LoadGenerator,
  servers: Server[],
  settings: BenchSettings,
): Promise<BenchResults['throughput']> {
  const samples = new Map<Server, LoadResult[]>();
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      const warmUp = settings.warmupS[Math.min(round, 1)];
      if (warmUp > 0) await load.run(server, warmUp);
      const result = await load.run(server, settings.measureS);
      assertAllOk(server, result);
      log(
        `round ${round + 1}/${settings.rounds} ${server.adapter.padEnd(7)} ${server.scenario.padEnd(24)} ${Math.round(result.rps)} req/s, p99 ${result.p99} ms`,
      );
      samples.set(server, [...(samples.get(server) ?? []), result]);
    }
  }
  const out = { fastify: {}, express: {} } as BenchResults['throughput'];
  for (const [server, results] of samples) {
    const figure: ThroughputFigure = {
      rps: median(results.map((r) => r.rps)),
      p99_ms: median(results.map((r) => r.p99)),
      rounds: results.map((r) => Math.round(r.rps)),
    };
    out[server.adapter][server.scenario] = figure;
  }
  return out;
}

interface Slice {
  result: LoadResult;
  /** The server's CPU time per request over the slice (µs): steadier than req/s on a shared machine. */
  cpuUs: number;
  gcMs: number;
}

async function slice(
  load: LoadGenerator,
  server: Server,
  seconds: number,
  options: { rate?: number; tokensFile?: string },
): Promise<Slice> {
  const before: ServerCpu = await serverCpu(server);
  const result = await load.run(server, seconds, options);
  const after = await serverCpu(server);
  assertAllOk(server, result);
  return {
    result,
    cpuUs: (after.cpu_us - before.cpu_us) / Math.max(1, result.requests),
    gcMs: after.gc_ms - before.gc_ms,
  };
}

/**
 * `a` and `b` measured back to back in slices, alternating a b b a a b ..., after a warm-up of each:
 * each pair shares the machine's speed of the moment, which drifts more between rounds than the
 * two servers differ.
 */
export async function pairedSlices(
  load: LoadGenerator,
  a: Server,
  b: Server,
  settings: BenchSettings,
  options: { rate?: number; tokensFile?: string } = {},
): Promise<{ a: Slice; b: Slice }[]> {
  for (const server of [a, b]) await load.run(server, settings.pairWarmupS, options);
  const pairs: { a: Slice; b: Slice }[] = [];
  for (let pair = 0; pair < settings.pairs; pair++) {
    if (pair % 2 === 0) {
      const first = await slice(load, a, settings.pairS, options);
      pairs.push({ a: first, b: await slice(load, b, settings.pairS, options) });
    } else {
      const first = await slice(load, b, settings.pairS, options);
      pairs.push({ a: await slice(load, a, settings.pairS, options), b: first });
    }
  }
  return pairs;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const ci95 = (values: number[]) => medianCi95(values).map(round3) as [number, number];

/** `b`'s req/s over `a`'s, per back-to-back pair, with the spread and the CPU-per-request ratio. */
export async function comparePaired(
  load: LoadGenerator,
  a: Server,
  b: Server,
  settings: BenchSettings,
  tokensFile?: string,
): Promise<PairedRatio> {
  const pairs = await pairedSlices(load, a, b, settings, { tokensFile });
  const ratios = pairs.map((p) => p.b.result.rps / p.a.result.rps);
  const cpu = pairs.map((p) => p.a.cpuUs / p.b.cpuUs);
  const out: PairedRatio = {
    ratio: round3(median(ratios)),
    ci95: ci95(ratios),
    pairs: ratios.map(round3),
    min: round3(Math.min(...ratios)),
    max: round3(Math.max(...ratios)),
    cpu_ratio: round3(median(cpu)),
    cpu_ci95: ci95(cpu),
    cpu_pairs: cpu.map(round3),
    a_cpu_us_per_request: round3(median(pairs.map((p) => p.a.cpuUs))),
    b_cpu_us_per_request: round3(median(pairs.map((p) => p.b.cpuUs))),
    a_gc_ms: round3(pairs.reduce((sum, p) => sum + p.a.gcMs, 0)),
    b_gc_ms: round3(pairs.reduce((sum, p) => sum + p.b.gcMs, 0)),
    a_rps: Math.round(median(pairs.map((p) => p.a.result.rps))),
    same_process: a.port === b.port,
  };
  log(
    `${b.adapter} ${b.scenario} / ${a.scenario}${out.same_process ? ' (same process)' : ''}: ${out.ratio} [${out.ci95!.join(', ')}] (pairs ${out.min}–${out.max}); CPU per request ${out.cpu_ratio} (${out.b_cpu_us_per_request} vs ${out.a_cpu_us_per_request} µs)`,
  );
  return out;
}

/**
 * Latency of `b` over `a` at `rate` (paced evenly): medians, and medians of per-pair differences.
 * An A/A control (`a` against itself, in pairs measured the same way) shows how far the machine
 * alone moves the same figures.
 */
export async function measureHalfLoad(
  load: LoadGenerator,
  a: Server,
  b: Server,
  rate: number,
  settings: BenchSettings,
): Promise<BenchResults['half_load']> {
  const slices = { ...settings, pairs: settings.halfLoadPairs, pairS: settings.halfLoadSliceS };
  const pairs = await pairedSlices(load, a, b, slices, { rate });
  const control = await pairedSlices(load, a, a, slices, { rate });
  const diff = (p: { a: Slice; b: Slice }, key: 'p99' | 'mean') =>
    p.b.result[key] - p.a.result[key];
  return {
    slice_s: settings.halfLoadSliceS,
    rate: Math.round(rate),
    verify_only_p99: median(pairs.map((p) => p.a.result.p99)),
    revocation_1m_p99: median(pairs.map((p) => p.b.result.p99)),
    verify_only_mean: median(pairs.map((p) => p.a.result.mean)),
    revocation_1m_mean: median(pairs.map((p) => p.b.result.mean)),
    added_p99: median(pairs.map((p) => diff(p, 'p99'))),
    added_mean: median(pairs.map((p) => diff(p, 'mean'))),
    added_p99_pairs: pairs.map((p) => round3(diff(p, 'p99'))),
    control_p99_pairs: control.map((p) => round3(diff(p, 'p99'))),
    added_p99_ci95: ci95(pairs.map((p) => diff(p, 'p99'))),
    control_p99: median(control.map((p) => diff(p, 'p99'))),
    control_p99_ci95: ci95(control.map((p) => diff(p, 'p99'))),
  };
}

/** Propagation through one transport, idle then with B under load (see propagation.probe.ts). */
export async function propagation(
  load: LoadGenerator,
  transport: string,
  databaseUrl: string,
  rate: number,
  settings: BenchSettings,
): Promise<Record<'idle' | 'load', PropagationPhase>> {
  const child = spawn(process.execPath, [join(__dirname, 'propagation.probe.js')], {
    env: {
      ...process.env,
      TRANSPORT: transport,
      DATABASE_URL: databaseUrl,
      SAMPLES: String(settings.propagationSamples),
      GAP_MS: String(settings.propagationGapMs),
      POLL_INTERVAL: String(settings.pollIntervalS),
      CHANNEL: `bench-${randomBytes(3).toString('hex')}`,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let loading: ReturnType<LoadGenerator['start']> | undefined;
  let buffer = '';
  let target: { port: number; token: string } | undefined;
  const result: Partial<Record<'idle' | 'load', PropagationPhase>> = {};
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  child.stdout!.on('data', (d) => {
    buffer += d;
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, i)) as PropagationLine;
      buffer = buffer.slice(i + 1);
      if (line.type === 'ready') {
        target = { port: line.port, token: line.token };
        void pin(line.pid, SERVER_CPU);
      } else if (line.type === 'idle') {
        result.idle = line.phase;
        loading = load.start(target!, 600, { rate });
        setTimeout(() => child.stdin!.write('go\n'), 500);
      } else {
        result.load = line.phase;
      }
    }
  });
  try {
    const code = await exited;
    if (code !== 0 || !result.idle || !result.load)
      throw new Error(`propagation probe (${transport}) exited ${code}`);
    return { idle: result.idle, load: result.load };
  } finally {
    loading?.stop();
    await loading?.done.catch(() => undefined);
    child.kill('SIGKILL');
  }
}

/** The naive guards' table of `rows` revoked jtis, on SQLite and on Postgres. */
export async function seedNaive(
  sqliteFile: string,
  postgresUrl: string,
  rows: number,
): Promise<void> {
  const sqlite = new Database(sqliteFile);
  sqlite.exec(
    'CREATE TABLE revoked_token (jti varchar(64) PRIMARY KEY NOT NULL, expires_at bigint NOT NULL)',
  );
  sqlite
    .prepare(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
       INSERT INTO revoked_token SELECT lower(hex(randomblob(16))), ? FROM s`,
    )
    .run(rows, Date.now() + 86_400_000);
  sqlite.close();
  const pg = new Client({ connectionString: postgresUrl });
  await pg.connect();
  await pg.query(
    'CREATE TABLE revoked_token (jti varchar(64) PRIMARY KEY, expires_at bigint NOT NULL)',
  );
  await pg.query(
    `INSERT INTO revoked_token SELECT md5(random()::text || i), $1 FROM generate_series(1, $2::int) i`,
    [Date.now() + 86_400_000, rows],
  );
  await pg.query('ANALYZE revoked_token');
  await pg.end();
}

/** Fresh instances loading 1M revocations, and the cost of a user-wide revocation, per database. */
export async function storagePhase(
  urls: Record<'sqlite' | 'postgres', string>,
  settings: BenchSettings,
): Promise<Pick<BenchResults, 'load_1m' | 'revoke_user_ms'>> {
  const load1m = {} as BenchResults['load_1m'];
  const revokeUser = {} as BenchResults['revoke_user_ms'];
  for (const db of ['sqlite', 'postgres'] as const) {
    const samples: number[] = [];
    for (let i = 0; i < settings.loadBoots; i++) {
      const boot = await nodeJson<LoadProbeResult>('load.probe.js', {
        ROLE: 'boot',
        DATABASE_URL: urls[db],
      });
      samples.push(boot.ready_ms!);
    }
    load1m[db] = { ready_ms: median(samples), samples };
    const cost = await nodeJson<LoadProbeResult>('load.probe.js', {
      ROLE: 'cost',
      ROUNDS: String(settings.costRounds),
      DATABASE_URL: urls[db],
    });
    revokeUser[db] = cost.revoke_user_ms!;
    log(
      `${db}: 1M loaded and ready in ${samples.map(Math.round).join(', ')} ms (fresh processes); user-wide revocation ${JSON.stringify(revokeUser[db])}`,
    );
  }
  return { load_1m: load1m, revoke_user_ms: revokeUser };
}
