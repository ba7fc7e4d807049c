import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { Adapter, median, SCENARIOS, Scenario } from './bench.shared';
import { BenchResults, ThroughputFigure, toMarkdown, toSvg } from './report';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 2 : 3;
const WARMUP_S = QUICK ? 1 : 3;
const MEASURE_S = QUICK ? 3 : 10;
const CONNECTIONS = 32;
const PROPAGATION_SAMPLES = QUICK ? 60 : 200;
const POLL_INTERVAL_S = 0.25;
const POSTGRES_ADMIN =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TWO_CORES = cpus().length >= 2;
const SERVER_CPU = '0';
const LOADGEN_CPU = '1';

function log(message: string) {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Runs a command pinned to one core when the machine has two. */
function pinned(cpu: string, command: string, args: string[]): [string, string[]] {
  return TWO_CORES ? ['taskset', ['-c', cpu, command, ...args]] : [command, args];
}

interface Server {
  scenario: Scenario;
  adapter: Adapter;
  port: number;
  token: string;
  child: ChildProcess;
}

function startServer(
  scenario: Scenario,
  adapter: Adapter,
  env: Record<string, string>,
): Promise<Server> {
  const [cmd, args] = pinned(SERVER_CPU, process.execPath, [join(__dirname, 'bench.server.js')]);
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env, SCENARIO: scenario, ADAPTER: adapter, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /READY (\d+) (\S+)/.exec(out);
      if (m) ok({ scenario, adapter, port: Number(m[1]), token: m[2], child });
    });
    child.on('exit', (code) => fail(new Error(`${scenario}/${adapter} exited ${code}: ${err}`)));
  });
}

interface Cannon {
  rps: number;
  p99: number;
  mean: number;
  non2xx: number;
  errors: number;
}

async function autocannon(
  port: number,
  token: string,
  seconds: number,
  rate?: number,
): Promise<Cannon> {
  const args = [
    join(ROOT, 'node_modules/autocannon/autocannon.js'),
    '-j',
    '-c',
    String(CONNECTIONS),
    '-d',
    String(seconds),
    '-H',
    `Authorization=Bearer ${token}`,
    ...(rate ? ['-R', String(Math.round(rate))] : []),
    `http://127.0.0.1:${port}/ping`,
  ];
  const [cmd, cmdArgs] = pinned(LOADGEN_CPU, process.execPath, args);
  const { stdout } = await run(cmd, cmdArgs, { maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(stdout);
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    mean: result.latency.average,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function measureThroughput(servers: Server[]): Promise<BenchResults['throughput']> {
  const samples = new Map<Server, Cannon[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      await autocannon(server.port, server.token, WARMUP_S);
      const result = await autocannon(server.port, server.token, MEASURE_S);
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(
          `${server.scenario}/${server.adapter}: ${result.non2xx} non-2xx and ${result.errors} errors`,
        );
      }
      log(
        `round ${round + 1}/${ROUNDS} ${server.adapter.padEnd(7)} ${server.scenario.padEnd(16)} ${Math.round(result.rps)} req/s, p99 ${result.p99} ms`,
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

async function nodeJson(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [...nodeArgs, join(__dirname, script)], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

async function propagation(transport: string, databaseUrl: string, underLoad: boolean) {
  const child = spawn(process.execPath, [join(__dirname, 'propagation.probe.js')], {
    env: {
      ...process.env,
      TRANSPORT: transport,
      DATABASE_URL: databaseUrl,
      SAMPLES: String(PROPAGATION_SAMPLES),
      POLL_INTERVAL: String(POLL_INTERVAL_S),
      LOAD: underLoad ? '1' : '0',
      CHANNEL: `bench-${randomBytes(3).toString('hex')}`,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let load: Promise<unknown> | undefined;
  let stopLoad: ChildProcess | undefined;
  const done = new Promise<Record<string, unknown>>((ok, fail) => {
    child.stdout!.on('data', (d) => {
      buffer += d;
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
        lines.push(line);
        if (line.ready && underLoad) {
          const args = [
            join(ROOT, 'node_modules/autocannon/autocannon.js'),
            '-c',
            '16',
            '-d',
            '600',
            '-H',
            `Authorization=Bearer ${line.token}`,
            `http://127.0.0.1:${line.port}/ping`,
          ];
          const [cmd, cmdArgs] = pinned(LOADGEN_CPU, process.execPath, args);
          stopLoad = spawn(cmd, cmdArgs, { stdio: 'ignore' });
          load = new Promise((r) => stopLoad!.on('exit', r));
          setTimeout(() => child.stdin!.write('go\n'), 1000);
        }
        if (line.transport) ok(line);
      }
    });
    child.on('exit', (code) =>
      code ? fail(new Error(`propagation probe exited ${code}`)) : undefined,
    );
  });
  try {
    const result = await done;
    return {
      p50: result.p50 as number,
      p99: result.p99 as number,
      samples: result.samples as number,
    };
  } finally {
    stopLoad?.kill('SIGINT');
    await load;
    child.kill('SIGKILL');
  }
}

async function postgresDatabase(admin: Client): Promise<string> {
  const name = `jwtrev_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  return name;
}

function versionOf(name: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

async function main() {
  const started = Date.now();
  log(
    `${QUICK ? 'quick' : 'full'} run: ${ROUNDS} rounds × ${WARMUP_S}s warm-up + ${MEASURE_S}s per scenario; server on core ${SERVER_CPU}, load generator on core ${LOADGEN_CPU}${TWO_CORES ? '' : ' (one core: not pinned)'}`,
  );
  const tmp = mkdtempSync(join(tmpdir(), 'jwtrev-bench-'));
  const admin = new Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  const databases: string[] = [];
  const servers: Server[] = [];
  try {
    const naiveSqlite = join(tmp, 'naive.sqlite');
    const sqlite = new Database(naiveSqlite);
    sqlite.exec(
      'CREATE TABLE revoked_token (jti varchar(64) PRIMARY KEY NOT NULL, expires_at bigint NOT NULL)',
    );
    const insert = sqlite.prepare('INSERT INTO revoked_token VALUES (?, ?)');
    sqlite.transaction(() => {
      for (let i = 0; i < 1_000_000; i++)
        insert.run(randomBytes(16).toString('base64url'), Date.now() + 86_400_000);
    })();
    sqlite.close();
    const naivePg = await postgresDatabase(admin);
    databases.push(naivePg);
    const naivePgUrl = POSTGRES_ADMIN.replace(/\/[^/]*$/, `/${naivePg}`);
    const pg = new Client({ connectionString: naivePgUrl });
    await pg.connect();
    await pg.query(
      'CREATE TABLE revoked_token (jti varchar(64) PRIMARY KEY, expires_at bigint NOT NULL)',
    );
    await pg.query(
      `INSERT INTO revoked_token SELECT md5(i::text), 0 FROM generate_series(1, 1000000) i`,
    );
    await pg.query('ANALYZE revoked_token');
    await pg.end();
    log('naive databases seeded with 1M revoked jtis');

    for (const adapter of ['fastify', 'express'] as Adapter[]) {
      for (const scenario of SCENARIOS) {
        const env: Record<string, string> =
          scenario === 'naive-sqlite'
            ? { DATABASE_URL: `sqlite:${naiveSqlite}` }
            : scenario === 'naive-postgres'
              ? { DATABASE_URL: naivePgUrl }
              : {};
        servers.push(await startServer(scenario, adapter, env));
      }
    }
    log(`${servers.length} servers ready`);
    const throughput = await measureThroughput(servers);

    const rate = throughput.fastify['verify-only'].rps / 2;
    const verifyServer = servers.find(
      (s) => s.adapter === 'fastify' && s.scenario === 'verify-only',
    )!;
    const revocationServer = servers.find(
      (s) => s.adapter === 'fastify' && s.scenario === 'revocation-1m',
    )!;
    const halfLoad = { verify: [] as Cannon[], revocation: [] as Cannon[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [server, bucket] of [
        [verifyServer, halfLoad.verify],
        [revocationServer, halfLoad.revocation],
      ] as const) {
        bucket.push(await autocannon(server.port, server.token, MEASURE_S, rate));
      }
    }
    const half = {
      rate: Math.round(rate),
      verify_only_p99: median(halfLoad.verify.map((r) => r.p99)),
      revocation_1m_p99: median(halfLoad.revocation.map((r) => r.p99)),
      verify_only_mean: median(halfLoad.verify.map((r) => r.mean)),
      revocation_1m_mean: median(halfLoad.revocation.map((r) => r.mean)),
      added_p99: 0,
      added_mean: 0,
    };
    half.added_p99 = half.revocation_1m_p99 - half.verify_only_p99;
    half.added_mean = half.revocation_1m_mean - half.verify_only_mean;
    log(`half load: ${JSON.stringify(half)}`);
    for (const s of servers.splice(0)) s.child.kill('SIGKILL');

    const check = await nodeJson('check.probe.js', {});
    log(`revocation check alone: ${JSON.stringify(check)}`);
    const memory = await nodeJson('memory.probe.js', {}, ['--expose-gc']);
    log(`memory per 1M jti: ${JSON.stringify(memory)}`);

    const loadDb = await postgresDatabase(admin);
    databases.push(loadDb);
    const loadSqlite = await nodeJson('load.probe.js', {
      DATABASE_URL: `sqlite:${join(tmp, 'load.sqlite')}`,
    });
    const loadPostgres = await nodeJson('load.probe.js', {
      DATABASE_URL: POSTGRES_ADMIN.replace(/\/[^/]*$/, `/${loadDb}`),
    });
    log(`load 1M: sqlite ${JSON.stringify(loadSqlite)}, postgres ${JSON.stringify(loadPostgres)}`);

    const propagationDb = await postgresDatabase(admin);
    databases.push(propagationDb);
    const propagationUrl = POSTGRES_ADMIN.replace(/\/[^/]*$/, `/${propagationDb}`);
    const prop = {} as BenchResults['propagation_ms'];
    for (const [key, transport] of [
      ['redis', 'redis'],
      ['postgres_notify', 'postgres-notify'],
      ['polling', 'polling'],
    ] as const) {
      prop[key] = {
        idle: await propagation(transport, propagationUrl, false),
        load: await propagation(transport, propagationUrl, true),
      };
      log(`propagation ${transport}: ${JSON.stringify(prop[key])}`);
    }

    const f = throughput.fastify;
    const ratios = {
      revocation_vs_verify_only: f['revocation-1m'].rps / f['verify-only'].rps,
      revocation_vs_stock_passport: f['revocation-1m'].rps / f['stock-passport'].rps,
      revocation_vs_naive_sqlite: f['revocation-1m'].rps / f['naive-sqlite'].rps,
      revocation_vs_naive_postgres: f['revocation-1m'].rps / f['naive-postgres'].rps,
      revocation_1m_vs_empty: f['revocation-1m'].rps / f['revocation-empty'].rps,
      verify_only_vs_no_guard: f['verify-only'].rps / f['no-guard'].rps,
    };
    const revokeUser = {
      sqlite: loadSqlite.revoke_user_ms as { live_1: number; live_10000: number },
      postgres: loadPostgres.revoke_user_ms as { live_1: number; live_10000: number },
    };
    const pollMs = POLL_INTERVAL_S * 1000;
    const added = half.added_p99;
    const goals = [
      {
        goal: 'revocation ≥ 0.97× verify-only req/s (1M entries)',
        measured: `${ratios.revocation_vs_verify_only.toFixed(3)}×`,
        met: ratios.revocation_vs_verify_only >= 0.97,
      },
      {
        goal: 'adds ≤ 1 ms p99 at half load',
        measured: `${added.toFixed(2)} ms at p99 (1 ms resolution), ${half.added_mean.toFixed(3)} ms mean; the check itself ${((check.p99_ns as number) / 1000).toFixed(2)} µs at p99`,
        met: added <= 1,
      },
      {
        goal: '≥ 1.0× stock passport-jwt guard',
        measured: `${ratios.revocation_vs_stock_passport.toFixed(2)}×`,
        met: ratios.revocation_vs_stock_passport >= 1,
      },
      {
        goal: '≥ 2× naive TypeORM lookup on SQLite',
        measured: `${ratios.revocation_vs_naive_sqlite.toFixed(2)}×`,
        met: ratios.revocation_vs_naive_sqlite >= 2,
      },
      {
        goal: '≥ 3× naive TypeORM lookup on Postgres',
        measured: `${ratios.revocation_vs_naive_postgres.toFixed(2)}×`,
        met: ratios.revocation_vs_naive_postgres >= 3,
      },
      {
        goal: 'propagation p99 ≤ 5 ms via Redis (idle / load)',
        measured: `${prop.redis.idle.p99.toFixed(2)} / ${prop.redis.load.p99.toFixed(2)} ms`,
        met: Math.max(prop.redis.idle.p99, prop.redis.load.p99) <= 5,
      },
      {
        goal: 'propagation p99 ≤ 10 ms via Postgres NOTIFY (idle / load)',
        measured: `${prop.postgres_notify.idle.p99.toFixed(2)} / ${prop.postgres_notify.load.p99.toFixed(2)} ms`,
        met: Math.max(prop.postgres_notify.idle.p99, prop.postgres_notify.load.p99) <= 10,
      },
      {
        goal: `propagation p99 ≤ poll interval + 10 ms by polling (${pollMs} ms)`,
        measured: `${prop.polling.idle.p99.toFixed(1)} / ${prop.polling.load.p99.toFixed(1)} ms`,
        met: Math.max(prop.polling.idle.p99, prop.polling.load.p99) <= pollMs + 10,
      },
      {
        goal: '≤ 64 MB per 1M revoked jti',
        measured: `${(memory.total_mb as number).toFixed(1)} MB`,
        met: (memory.total_mb as number) <= 64,
      },
      {
        goal: '1M entries loaded and ready in ≤ 2 s (SQLite / Postgres)',
        measured: `${Math.round(loadSqlite.ready_ms as number)} / ${Math.round(loadPostgres.ready_ms as number)} ms`,
        met: Math.max(loadSqlite.ready_ms as number, loadPostgres.ready_ms as number) <= 2000,
      },
      {
        goal: 'user-wide revocation costs the same for 1 or 10,000 live tokens (SQLite / Postgres)',
        measured: `${revokeUser.sqlite.live_1.toFixed(2)} vs ${revokeUser.sqlite.live_10000.toFixed(2)} ms / ${revokeUser.postgres.live_1.toFixed(2)} vs ${revokeUser.postgres.live_10000.toFixed(2)} ms`,
        met:
          revokeUser.sqlite.live_10000 <= revokeUser.sqlite.live_1 * 2 + 1 &&
          revokeUser.postgres.live_10000 <= revokeUser.postgres.live_1 * 2 + 1,
      },
    ];
    const results: BenchResults = {
      date: new Date().toISOString(),
      quick: QUICK,
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
          'autocannon',
        ].map((n) => [n, versionOf(n)]),
      ),
      method: `Each scenario serves GET /ping (small JSON) from its own process pinned to core ${SERVER_CPU}; autocannon (${CONNECTIONS} connections) runs in a separate process on core ${LOADGEN_CPU}. ${ROUNDS} alternating rounds of ${WARMUP_S} s warm-up + ${MEASURE_S} s measurement; medians reported. Every response of every run was checked to be 2xx. All guards verify the same HS256 token; the stock and naive guards use passport-jwt with the secret as a string (as in the Nest docs); ours uses KeyObjects. Naive lookups query a table of 1M revoked jtis.`,
      throughput,
      half_load: half,
      check_ns: check as BenchResults['check_ns'],
      memory_per_1m_jti: memory as BenchResults['memory_per_1m_jti'],
      load_1m: {
        sqlite: { ready_ms: loadSqlite.ready_ms as number },
        postgres: { ready_ms: loadPostgres.ready_ms as number },
      },
      revoke_user_ms: revokeUser,
      propagation_ms: prop,
      poll_interval_ms: pollMs,
      ratios,
      goals,
    };
    const outDir = join(ROOT, 'bench/results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    const markdown = toMarkdown(results);
    writeFileSync(join(outDir, 'latest.md'), markdown);
    writeFileSync(join(outDir, 'throughput.svg'), toSvg(results));
    process.stdout.write(markdown + '\n');
    log(
      `done in ${Math.round((Date.now() - started) / 1000)} s; wrote bench/results/latest.{json,md} and throughput.svg`,
    );
  } finally {
    for (const s of servers) s.child.kill('SIGKILL');
    for (const db of databases)
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
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
