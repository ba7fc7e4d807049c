import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import * as prettier from 'prettier';
import { GOALS } from './bench.goals';
import type { CheckProbeResult, LiveProbeResult, MemoryProbeResult } from './bench.messages';
import {
  comparePaired,
  measureHalfLoad,
  measureThroughput,
  propagation,
  seedNaive,
  storagePhase,
} from './bench.phases';
import {
  LOADGEN_CPU,
  LoadGenerator,
  log,
  nodeJson,
  peerRoute,
  PINNED,
  Server,
  SERVER_CPU,
  startServer,
} from './bench.processes';
import { benchSettings, BenchSettings } from './bench.settings';
import {
  Adapter,
  CONTROL_PATH,
  HOSTILE_TOKENS,
  median,
  PEER_PATH,
  SAME_PROCESS_PEER,
  SCENARIOS,
  Scenario,
} from './bench.shared';
import type { LoadProbeResult } from './bench.messages';
import {
  BenchResults,
  PairedRatio,
  README_END,
  README_START,
  toMarkdown,
  toReadme,
  toSvg,
} from './report';

const ROOT = resolve(__dirname, '../..');
const POSTGRES_ADMIN =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADAPTERS: Adapter[] = ['fastify', 'express'];
const NAIVE: Scenario[] = ['naive-sqlite', 'naive-postgres'];

/**
 * The paired comparisons: [ratio name, peer (a), revocation scenario (b)]. Each runs on both
 * adapters; the Express ones get the `_express` suffix. Where the peer is `b`'s same-process peer
 * (`SAME_PROCESS_PEER`), `a` is that route of `b`'s server; the others compare two servers.
 */
const COMPARISONS: [string, Scenario, Scenario][] = [
  ['revocation_vs_no_guard', 'no-guard', 'revocation-1m'],
  ['revocation_vs_stock_passport_keyobject', 'stock-passport-keyobject', 'revocation-1m'],
  ['revocation_vs_fast_jwt_cached', 'fast-jwt-cached', 'revocation-1m'],
  ['revocation_uncached_vs_verify_only', 'verify-only', 'revocation-uncached'],
  ['revocation_hostile_vs_verify_only', 'verify-only', 'revocation-hostile'],
  ['revocation_1m_vs_empty', 'revocation-empty', 'revocation-1m'],
];

interface Databases {
  admin: Client;
  names: string[];
  url(name: string): string;
}

async function createDatabase(db: Databases): Promise<string> {
  const name = `jwtrev_bench_${randomBytes(4).toString('hex')}`;
  await db.admin.query(`CREATE DATABASE ${name}`);
  db.names.push(name);
  return db.url(name);
}

/** Starts every server (both adapters) while the databases are seeded; the naive ones after. */
async function startPhase(db: Databases, tmp: string, settings: BenchSettings) {
  const naivePg = await createDatabase(db);
  const loadUrls = {
    sqlite: `sqlite:${join(tmp, 'load.sqlite')}`,
    postgres: await createDatabase(db),
  };
  const propagationUrl = await createDatabase(db);
  const naiveSqlite = join(tmp, 'naive.sqlite');
  const start = (scenarios: Scenario[], env: (s: Scenario) => Record<string, string>) =>
    Promise.all(
      ADAPTERS.flatMap((adapter) =>
        scenarios.map((scenario) =>
          startServer(scenario, adapter, { TOKENS_DIR: tmp, ...env(scenario) }),
        ),
      ),
    );
  const [, first] = await Promise.all([
    Promise.all([
      nodeJson<LoadProbeResult>('load.probe.js', { ROLE: 'seed', DATABASE_URL: loadUrls.sqlite }),
      nodeJson<LoadProbeResult>('load.probe.js', { ROLE: 'seed', DATABASE_URL: loadUrls.postgres }),
      seedNaive(naiveSqlite, naivePg, settings.naiveRows),
    ]),
    start(
      SCENARIOS.filter((s) => !NAIVE.includes(s)),
      () => ({}),
    ),
  ]);
  log(
    `databases seeded: ${settings.naiveRows} revoked jtis for the naive guards, 1M revocations for the load probe`,
  );
  const naive = await start(NAIVE, (s) => ({
    DATABASE_URL: s === 'naive-sqlite' ? `sqlite:${naiveSqlite}` : naivePg,
  }));
  const position = (s: Server) => ADAPTERS.indexOf(s.adapter) * 100 + SCENARIOS.indexOf(s.scenario);
  const servers = [...first, ...naive].sort((x, y) => position(x) - position(y));
  log(`${servers.length} servers ready`);
  return { servers, loadUrls, propagationUrl };
}

/**
 * The paired comparisons on both adapters, with everything but the two servers of a pair idle, then
 * the A/A control (`CONTROL_PATH`) of each adapter (full runs: a few short quick pairs tell nothing).
 */
async function pairedPhase(load: LoadGenerator, servers: Server[], settings: BenchSettings) {
  const find = (adapter: Adapter, scenario: Scenario) =>
    servers.find((s) => s.adapter === adapter && s.scenario === scenario)!;
  const out: Record<string, PairedRatio> = {};
  for (const adapter of ADAPTERS) {
    for (const [name, a, b] of COMPARISONS) {
      const hostile = find(adapter, 'revocation-hostile').tokensFile;
      const server = find(adapter, b);
      out[`${name}${adapter === 'express' ? '_express' : ''}`] = await comparePaired(
        load,
        SAME_PROCESS_PEER[b] === a ? peerRoute(server, a) : find(adapter, a),
        server,
        settings,
        b === 'revocation-hostile' ? hostile : undefined,
      );
    }
    if (settings.quick) continue;
    const loaded = find(adapter, 'revocation-1m');
    out[`control_same_route${adapter === 'express' ? '_express' : ''}`] = await comparePaired(
      load,
      { ...loaded, path: CONTROL_PATH },
      loaded,
      settings,
    );
  }
  return out;
}

function versionOf(name: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function method(s: BenchSettings, pairs: number): string {
  return `Each scenario serves GET /ping (small JSON) from its own process pinned to core ${SERVER_CPU}; autocannon (${s.connections} connections) runs in one long-lived process on core ${LOADGEN_CPU}. The revocation servers also serve GET ${PEER_PATH} in the same process (no guard; or, with the token cache off and with cache-hostile tokens, our verifier alone with its own cache off): the ratios to no guard and to verify-only are taken against that route, the others between two servers.${s.quick ? '' : ` The 1M server serves its own route a second time, at GET ${CONTROL_PATH}, for an A/A control.`} The ratios come from back-to-back pairs (${pairs} pairs of ${s.pairS} s slices per ratio, alternating which server goes first), with each server's CPU time per request read from the server itself (GET /__cpu) around every slice. The table: ${s.rounds} alternating round(s) of warm-up (${s.warmupS[0]} s in the first round, ${s.warmupS[1]} s after) + ${s.measureS} s; medians, and ratios as the median of the per-round ratios (the two servers of a ratio measured close together in each round). Half load is half of verify-only's rate in the pairs just before, paced evenly by the same process over plain keep-alive sockets. Every response of every run was checked to be 2xx. The cache-hostile scenario sends each request with the next of ${HOSTILE_TOKENS.toLocaleString('en-US')} distinct valid tokens (ten times the token cache's default size: a token comes back only after more misses than the cache holds, when the cache's doorkeeper has forgotten it, so it is never admitted and never hits), and its verify-only peer gets the same tokens. The 1M load is timed in a fresh process each time (median of ${s.loadBoots}). Propagation: ${s.propagationSamples} revocations per transport and phase at random intervals (mean ${s.propagationGapMs} ms), each timed from A's acknowledgement to B's first rejection. Live connections: ${s.liveSockets} real \`ws\` connections authenticated by LiveSocketAuthenticator, clients in another process; the registry's own memory is measured with as many registrations without sockets. All guards verify the same HS256 token; ours uses KeyObjects; the stock guards use passport-jwt with the secret as a KeyObject (best) or a string (as in the Nest docs); fast-jwt uses its cache (1,000 tokens). Naive lookups query a table of ${s.naiveRows} revoked jtis.`;
}

async function writeReport(results: BenchResults): Promise<void> {
  const outDir = join(ROOT, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
  const markdown = toMarkdown(results);
  writeFileSync(join(outDir, 'latest.md'), markdown);
  writeFileSync(join(outDir, 'throughput.svg'), toSvg(results));
  if (!results.quick) {
    const readmePath = join(ROOT, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const from = readme.indexOf(README_START);
    const to = readme.indexOf(README_END);
    if (from >= 0 && to > from) {
      const updated = `${readme.slice(0, from + README_START.length)}\n\n${toReadme(results)}\n\n${readme.slice(to)}`;
      const config = await prettier.resolveConfig(readmePath);
      writeFileSync(
        readmePath,
        await prettier.format(updated, { ...config, filepath: readmePath }),
      );
    }
  }
  process.stdout.write(markdown + '\n');
}

/** `--report-only`: the goals judged again and the report written again from `latest.json`, nothing measured. */
async function reportOnly(): Promise<void> {
  const path = join(ROOT, 'bench/results/latest.json');
  const measured = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
  await writeReport({ ...measured, goals: judge(measured) });
  log(`report written again from ${path}`);
}

function judge(r: Omit<BenchResults, 'goals'>): BenchResults['goals'] {
  return GOALS.map((g) => ({
    goal: g.goal,
    measured: g.measured(r as BenchResults),
    met: g.met(r as BenchResults),
  }));
}

async function main() {
  if (process.argv.includes('--report-only')) return reportOnly();
  const started = Date.now();
  const settings = benchSettings(process.argv);
  log(
    `${settings.quick ? 'quick' : 'full'} run: ${settings.rounds} round(s) per scenario, ${settings.pairs} pairs of ${settings.pairS} s per ratio; server on core ${SERVER_CPU}, load generator on core ${LOADGEN_CPU}${PINNED ? '' : ' (one core: not pinned)'}`,
  );
  const tmp = mkdtempSync(join(tmpdir(), 'jwtrev-bench-'));
  const admin = new Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  const db: Databases = {
    admin,
    names: [],
    url: (name) => POSTGRES_ADMIN.replace(/\/[^/]*$/, `/${name}`),
  };
  const load = new LoadGenerator(settings.connections);
  const servers: Server[] = [];
  try {
    const started1 = await startPhase(db, tmp, settings);
    servers.push(...started1.servers);
    const throughput = await measureThroughput(load, servers, settings);
    const ratioPairs = await pairedPhase(load, servers, settings);

    const verify = servers.find((s) => s.adapter === 'fastify' && s.scenario === 'verify-only')!;
    const revocation = servers.find(
      (s) => s.adapter === 'fastify' && s.scenario === 'revocation-1m',
    )!;
    // The other servers go: idle on the same core, they still collect garbage after their load.
    for (const s of servers.filter((s) => s !== verify && s !== revocation))
      s.child.kill('SIGKILL');
    // Half of verify-only's maximum as just measured: the machine's speed drifts between phases.
    const rate = ratioPairs.revocation_uncached_vs_verify_only.a_rps / 2;
    const half = await measureHalfLoad(load, verify, revocation, rate, settings);
    log(`half load: ${JSON.stringify(half)}`);
    for (const s of servers.splice(0)) s.child.kill('SIGKILL');

    const check = await nodeJson<CheckProbeResult>('check.probe.js', {});
    log(`revocation check alone: ${JSON.stringify(check)}`);
    const memory = await nodeJson<MemoryProbeResult>('memory.probe.js', {}, ['--expose-gc']);
    log(`memory: ${JSON.stringify(memory)}`);
    const live = await nodeJson<LiveProbeResult>(
      'live.probe.js',
      { SOCKETS: String(settings.liveSockets) },
      ['--expose-gc'],
    );
    log(`live connections: ${JSON.stringify(live)}`);
    const storage = await storagePhase(started1.loadUrls, settings);

    const prop = {} as BenchResults['propagation_ms'];
    for (const [key, transport] of [
      ['redis', 'redis'],
      ['postgres_notify', 'postgres-notify'],
      ['polling', 'polling'],
    ] as const) {
      prop[key] = await propagation(load, transport, started1.propagationUrl, rate, settings);
      log(`propagation ${transport}: ${JSON.stringify(prop[key])}`);
    }

    const f = throughput.fastify;
    /** `b` over `a` in each round (the machine's speed of that round cancels), then the median. */
    const rounds = (b: Scenario, a: Scenario) =>
      median(f[b].rounds.map((rps, round) => rps / f[a].rounds[round]));
    const ratios: Record<string, number> = {
      ...Object.fromEntries(Object.entries(ratioPairs).map(([k, p]) => [k, p.ratio])),
      revocation_1m_vs_empty_rounds: rounds('revocation-1m', 'revocation-empty'),
      revocation_vs_no_guard_rounds: rounds('revocation-1m', 'no-guard'),
      revocation_uncached_vs_verify_only_rounds: rounds('revocation-uncached', 'verify-only'),
      revocation_vs_stock_passport_string_rounds: rounds('revocation-1m', 'stock-passport'),
      revocation_vs_naive_sqlite: rounds('revocation-1m', 'naive-sqlite'),
      revocation_vs_naive_postgres: rounds('revocation-1m', 'naive-postgres'),
    };
    const partial: Omit<BenchResults, 'goals'> = {
      date: new Date().toISOString(),
      quick: settings.quick,
      duration_s: (Date.now() - started) / 1000,
      machine: {
        cpus: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memory_gb: Math.round(totalmem() / 2 ** 30),
        platform: `${process.platform} ${process.arch}, Node ${process.version}`,
      },
      versions: Object.fromEntries(
        [
          '@nestjs/core',
          'fastify',
          'express',
          'typeorm',
          'better-sqlite3',
          'pg',
          'ioredis',
          'passport-jwt',
          'jsonwebtoken',
          'fast-jwt',
          'ws',
          'autocannon',
        ].map((n) => [n, versionOf(n)]),
      ),
      method: method(settings, settings.pairs),
      throughput,
      half_load: half,
      check_ns: check,
      memory_per_1m_jti: memory,
      live,
      ...storage,
      propagation_ms: prop,
      poll_interval_ms: settings.pollIntervalS * 1000,
      ratios,
      ratio_pairs: ratioPairs,
    };
    const results: BenchResults = { ...partial, goals: judge(partial) };
    await writeReport(results);
    log(
      `done in ${Math.round(results.duration_s)} s; wrote bench/results/latest.{json,md} and throughput.svg${settings.quick ? '' : ', and the figures in README.md'}`,
    );
  } finally {
    load.close();
    for (const s of servers) s.child.kill('SIGKILL');
    for (const name of db.names)
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(tmp, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error?.stack ?? error)}\n`);
    process.exit(1);
  },
);
