import type {
  CheckProbeResult,
  LiveProbeResult,
  MemoryProbeResult,
  PropagationPhase,
  RevokeUserCost,
} from './bench.messages';
import { Adapter, SCENARIO_LABELS, SCENARIOS, Scenario } from './bench.shared';

export interface ThroughputFigure {
  rps: number;
  p99_ms: number;
  rounds: number[];
}

/** `b` over `a` in back-to-back pairs: req/s ratio per pair, and the servers' CPU per request. */
export interface PairedRatio {
  /** Median of the per-pair req/s ratios. */
  ratio: number;
  /** 95% confidence interval of that median (order statistics); absent in runs before it. */
  ci95?: [number, number];
  pairs: number[];
  min: number;
  max: number;
  /** Median of the per-pair ratios of CPU time per request (a over b: above 1, b is cheaper). */
  cpu_ratio: number;
  cpu_ci95?: [number, number];
  cpu_pairs: number[];
  a_cpu_us_per_request: number;
  b_cpu_us_per_request: number;
  /** GC time of each server over all its slices. */
  a_gc_ms: number;
  b_gc_ms: number;
  a_rps: number;
  /** `a` is a route of `b`'s own server (see `SAME_PROCESS_PEER`); absent in runs before it. */
  same_process?: boolean;
}

export interface BenchResults {
  date: string;
  quick: boolean;
  /** Seconds from the runner's start to its report (the build before it not included). */
  duration_s: number;
  machine: { cpus: string; cores: number; memory_gb: number; platform: string };
  versions: Record<string, string>;
  method: string;
  throughput: Record<Adapter, Record<Scenario, ThroughputFigure>>;
  half_load: {
    rate: number;
    verify_only_p99: number;
    revocation_1m_p99: number;
    verify_only_mean: number;
    revocation_1m_mean: number;
    /** Medians of the per-pair differences, revocation 1M minus verify-only. */
    added_p99: number;
    added_mean: number;
    added_p99_pairs: number[];
    /** The same differences between two slices of verify-only: what the machine alone does. */
    control_p99_pairs: number[];
    /** Slice length (s); runs before 2026-12-07 used the throughput pairs' 2 s slices and have no intervals. */
    slice_s?: number;
    /** 95% confidence interval of `added_p99` (the median), from the order statistics of the pairs. */
    added_p99_ci95?: [number, number];
    control_p99?: number;
    control_p99_ci95?: [number, number];
  };
  check_ns: CheckProbeResult;
  memory_per_1m_jti: MemoryProbeResult;
  live: LiveProbeResult;
  load_1m: Record<'sqlite' | 'postgres', { ready_ms: number; samples: number[] }>;
  revoke_user_ms: Record<'sqlite' | 'postgres', RevokeUserCost>;
  propagation_ms: Record<
    'redis' | 'postgres_notify' | 'polling',
    Record<'idle' | 'load', PropagationPhase>
  >;
  poll_interval_ms: number;
  /** Paired ratios as numbers (`…_express` for Express), and round-median ratios (`…_rounds`, naive). */
  ratios: Record<string, number>;
  /** Each paired ratio with its per-pair spread and CPU figures. */
  ratio_pairs: Record<string, PairedRatio>;
  goals: { goal: string; measured: string; met: boolean }[];
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function toMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  lines.push(`# Benchmark results`, '');
  lines.push(
    `${r.date} · ${r.quick ? 'quick run' : 'full run'} · ${r.machine.cpus} (${r.machine.cores} cores), ${r.machine.memory_gb} GB · ${r.machine.platform}`,
    '',
  );
  lines.push(
    `Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
  );
  lines.push(r.method, '');
  lines.push('## Throughput (median req/s; p99 latency)', '');
  lines.push(
    '| scenario | Fastify req/s | Fastify p99 ms | Express req/s | Express p99 ms |',
    '| --- | ---: | ---: | ---: | ---: |',
  );
  for (const s of SCENARIOS) {
    const f = r.throughput.fastify[s];
    const e = r.throughput.express[s];
    lines.push(
      `| ${SCENARIO_LABELS[s]} | ${fmt(f.rps)} | ${fmt(f.p99_ms, 1)} | ${fmt(e.rps)} | ${fmt(e.p99_ms, 1)} |`,
    );
  }
  lines.push('', '## Ratios from back-to-back pairs', '');
  lines.push(
    '| ratio | req/s ratio (median) | 95% CI | per pair | CPU per request ratio [95% CI] | CPU µs/request (b vs a) | GC ms (b vs a) |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: |',
  );
  const interval = (ci?: [number, number]) => (ci ? `[${fmt(ci[0], 3)}, ${fmt(ci[1], 3)}]` : '–');
  for (const [k, p] of Object.entries(r.ratio_pairs)) {
    lines.push(
      `| ${k}${p.same_process ? ' (same process)' : ''} | ${fmt(p.ratio, 3)} | ${interval(p.ci95)} | ${fmt(p.min, 2)}–${fmt(p.max, 2)} (${p.pairs.length} pairs) | ${fmt(p.cpu_ratio, 3)} ${interval(p.cpu_ci95)} | ${fmt(p.b_cpu_us_per_request, 1)} vs ${fmt(p.a_cpu_us_per_request, 1)} | ${fmt(p.b_gc_ms, 0)} vs ${fmt(p.a_gc_ms, 0)} |`,
    );
  }
  lines.push(
    '',
    'Each ratio is the revocation scenario (b) over its peer (a), measured in alternating back-to-back slices: the median of the per-pair ratios, with the 95% confidence interval of that median (a goal is met when the lower end reaches it); "CPU per request" divides the servers\' own CPU time by the requests they answered. "Same process": the peer is a second route of the revocation scenario\'s own server (no guard, or the verifier alone with its cache off), so the ratio holds no difference between two processes.' +
      (r.ratio_pairs.control_same_route
        ? " `control_same_route` is an A/A control: the 1M server's route against an identical second route of the same process (same guard, same state), whose true ratio is 1: its median and interval show how far the method alone moves a same-process ratio in this run."
        : ''),
    '',
    '## Ratios from the rounds (Fastify: median of the per-round ratios)',
    '',
    '| ratio | value |',
    '| --- | ---: |',
  );
  for (const [k, v] of Object.entries(r.ratios).filter(([k]) => k.endsWith('_rounds')))
    lines.push(`| ${k} | ${fmt(v, 3)} |`);
  lines.push('', '## Other figures', '');
  lines.push('| figure | value |', '| --- | ---: |');
  const h = r.half_load;
  lines.push(
    `| at ${fmt(h.rate)} req/s (half the verify-only maximum, paced evenly), p99: verify only / revocation 1M / added (median of per-pair differences) | ${fmt(h.verify_only_p99, 3)} / ${fmt(h.revocation_1m_p99, 3)} / ${fmt(h.added_p99, 3)} ms |`,
  );
  lines.push(
    `| at the same rate, mean latency: verify only / revocation 1M / added | ${fmt(h.verify_only_mean, 3)} / ${fmt(h.revocation_1m_mean, 3)} / ${fmt(h.added_mean, 3)} ms |`,
    ...(h.added_p99_ci95 && h.control_p99_ci95 && h.control_p99 !== undefined
      ? [
          `| at the same rate, p99 difference per back-to-back pair of ${h.slice_s} s slices (revocation 1M − verify only), ${h.added_p99_pairs.length} pairs: median [95% CI], range | ${fmt(h.added_p99, 2)} [${fmt(h.added_p99_ci95[0], 2)}, ${fmt(h.added_p99_ci95[1], 2)}], ${fmt(Math.min(...h.added_p99_pairs), 1)} to ${fmt(Math.max(...h.added_p99_pairs), 1)} ms |`,
          `| the same for verify only against itself (A/A control: the machine alone) | ${fmt(h.control_p99, 2)} [${fmt(h.control_p99_ci95[0], 2)}, ${fmt(h.control_p99_ci95[1], 2)}], ${fmt(Math.min(...h.control_p99_pairs), 1)} to ${fmt(Math.max(...h.control_p99_pairs), 1)} ms |`,
        ]
      : [
          `| at the same rate, p99 difference per back-to-back pair: revocation 1M − verify only | ${h.added_p99_pairs.map((d) => fmt(d, 1)).join(', ')} ms |`,
          `| the same for verify only against itself (A/A control: the machine alone) | ${h.control_p99_pairs.map((d) => fmt(d, 1)).join(', ')} ms |`,
        ]),
  );
  lines.push(
    `| the revocation check alone (1M jti, 100k sessions, 100k users loaded), per call: p50 / p99 / p99.9 | ${fmt(r.check_ns.p50_ns)} / ${fmt(r.check_ns.p99_ns)} / ${fmt(r.check_ns.p999_ns)} ns |`,
  );
  const g = r.check_ns.guard;
  if (g) {
    lines.push(
      `| the guard on a repeated token, in process, per call (p50 / p99): bearer extraction; cached verification; the whole guard | ${fmt(g.extract.p50_ns)} / ${fmt(g.extract.p99_ns)}; ${fmt(g.verify_cached.p50_ns)} / ${fmt(g.verify_cached.p99_ns)}; ${fmt(g.guard.p50_ns)} / ${fmt(g.guard.p99_ns)} ns |`,
    );
  }
  lines.push(
    `| memory per 1M revoked jti (heap + typed arrays, after GC) | ${fmt(r.memory_per_1m_jti.total_mb, 1)} MB (heap ${fmt(r.memory_per_1m_jti.heap_mb, 1)}, arrays ${fmt(r.memory_per_1m_jti.array_buffers_mb, 1)}) |`,
  );
  const m = r.memory_per_1m_jti;
  lines.push(
    `| verified-token cache holding 100k access tokens: measured heap / the cache's own estimate | ${fmt(m.token_cache_100k_mb, 1)} / ${fmt(m.token_cache_100k_estimated_mb, 1)} MB |`,
  );
  const l = r.live;
  lines.push(
    `| live connections: registry memory for ${fmt(l.sockets)} idle sockets (per socket) | ${fmt(l.registry_mb, 1)} MB (${fmt(l.registry_bytes_per_socket)} B) |`,
    `| live connections: server heap + external for ${fmt(l.sockets)} real \`ws\` sockets | ${fmt(l.real_sockets_mb, 1)} MB |`,
    `| live connections: user-wide revocation of ${fmt(l.sockets)} sockets: the call / all closed on this instance / every client saw 4401 | ${fmt(l.revoke_user_call_ms, 1)} / ${fmt(l.revoke_user_fan_out_ms, 1)} / ${fmt(l.revoke_user_all_clients_closed_ms, 1)} ms |`,
    `| live connections: user-wide revocation of a user with no socket, ${fmt(l.sockets)} registered | ${fmt(l.revoke_other_user_ms, 2)} ms |`,
  );
  lines.push(
    `| fresh instance loads 1M revocations and is ready: SQLite / Postgres | ${fmt(r.load_1m.sqlite.ready_ms)} / ${fmt(r.load_1m.postgres.ready_ms)} ms |`,
  );
  for (const [db, name] of [
    ['sqlite', 'SQLite'],
    ['postgres', 'Postgres'],
  ] as const) {
    const { uncounted, counted } = r.revoke_user_ms[db];
    lines.push(
      `| user-wide revocation, 1 vs 10,000 live sessions: ${name}, uncounted (\`count: false\`); counted | ${fmt(uncounted.live_1, 2)} vs ${fmt(uncounted.live_10000, 2)} ms; ${fmt(counted.live_1, 2)} vs ${fmt(counted.live_10000, 2)} ms |`,
    );
  }
  for (const [via, byLoad] of Object.entries(r.propagation_ms)) {
    for (const [load, p] of Object.entries(byLoad)) {
      lines.push(
        `| propagation via ${via.replace('_', ' ')} (${load === 'load' ? 'B at half its maximum rate' : 'idle'}, ${p.samples} revocations): p50 / p99; B's event-loop delay p99 / max | ${fmt(p.p50, 2)} / ${fmt(p.p99, 2)} ms; ${fmt(p.b_event_loop_delay_ms.p99, 2)} / ${fmt(p.b_event_loop_delay_ms.max, 2)} ms |`,
      );
    }
  }
  lines.push('', `Polling interval in these runs: ${r.poll_interval_ms} ms.`, '');
  lines.push('## Goals', '', '| goal | measured | met |', '| --- | --- | :---: |');
  for (const g of r.goals)
    lines.push(`| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`);
  lines.push('', '![req/s per scenario and adapter](throughput.svg)', '');
  return lines.join('\n');
}

/**
 * The README's short results: the chart and one table (written between markers on full runs). The
 * goals, every other figure and the method are in bench/results/latest.md and bench/README.md.
 */
export function toReadme(r: BenchResults): string {
  const lines: string[] = [];
  const met = r.goals.filter((g) => g.met).length;
  lines.push(
    `Latest run: ${r.date.slice(0, 10)}, ${r.quick ? 'quick (`--quick`: fewer, shorter rounds)' : 'full'}, ${r.machine.cores} cores (${r.machine.cpus}), ${r.machine.platform}; ${met} of ${r.goals.length} goals met. Goals and every figure: [\`bench/results/latest.md\`](bench/results/latest.md) ([\`latest.json\`](bench/results/latest.json)); how they are measured and how to read them: [\`bench/README.md\`](bench/README.md).`,
    '',
    '![req/s per scenario and adapter](bench/results/throughput.svg)',
    '',
    '| scenario | Fastify req/s | Express req/s |',
    '| --- | ---: | ---: |',
  );
  for (const s of SCENARIOS) {
    lines.push(
      `| ${SCENARIO_LABELS[s]} | ${fmt(r.throughput.fastify[s].rps)} | ${fmt(r.throughput.express[s].rps)} |`,
    );
  }
  return lines.join('\n');
}

export const README_START = '<!-- bench:results:start -->';
export const README_END = '<!-- bench:results:end -->';

export function toSvg(r: BenchResults): string {
  const width = 900;
  const rowHeight = 44;
  const left = 330;
  const top = 40;
  const max = Math.max(
    ...SCENARIOS.flatMap((s) => [r.throughput.fastify[s].rps, r.throughput.express[s].rps]),
  );
  const scale = (width - left - 90) / max;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + rowHeight * SCENARIOS.length + 30}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(
    `<text x="10" y="20" font-size="14" font-weight="bold">req/s per scenario (median of ${r.throughput.fastify['no-guard'].rounds.length} rounds, ${r.date.slice(0, 10)})</text>`,
  );
  parts.push(
    `<rect x="${width - 170}" y="8" width="12" height="12" fill="#2b6cb0"/><text x="${width - 152}" y="18">Fastify</text>`,
  );
  parts.push(
    `<rect x="${width - 95}" y="8" width="12" height="12" fill="#dd6b20"/><text x="${width - 77}" y="18">Express</text>`,
  );
  SCENARIOS.forEach((s, i) => {
    const y = top + i * rowHeight;
    parts.push(
      `<text x="${left - 8}" y="${y + 22}" text-anchor="end">${escape(SCENARIO_LABELS[s])}</text>`,
    );
    (['fastify', 'express'] as const).forEach((a, j) => {
      const v = r.throughput[a][s].rps;
      const w = Math.max(1, v * scale);
      const by = y + 4 + j * 18;
      parts.push(
        `<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="16" fill="${j === 0 ? '#2b6cb0' : '#dd6b20'}"/>`,
      );
      parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${by + 12}">${fmt(v)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
