import type { Adapter } from './bench.shared';
import type { BenchResults, PairedRatio } from './report';

/** A goal of issue 12 and before: what it says, what was measured, whether it was met. */
export interface Goal {
  goal: string;
  measured(r: BenchResults): string;
  met(r: BenchResults): boolean;
}

const ADAPTERS: Adapter[] = ['fastify', 'express'];
const suffix = (adapter: Adapter) => (adapter === 'express' ? '_express' : '');
const pair = (r: BenchResults, name: string, adapter: Adapter): PairedRatio =>
  r.ratio_pairs[`${name}${suffix(adapter)}`];
const spread = (p: PairedRatio) =>
  `${p.ratio.toFixed(3)}×${p.ci95 ? ` [95% CI ${p.ci95[0].toFixed(3)}, ${p.ci95[1].toFixed(3)}]` : ''} (pairs ${p.min.toFixed(2)}–${p.max.toFixed(2)}; CPU per request ${p.cpu_ratio.toFixed(3)}×)`;
/**
 * What a paired ratio can be trusted to: the lower end of its median's 95% confidence interval
 * (the median itself in runs from before the interval was recorded).
 */
const atLeast = (p: PairedRatio) => p.ci95?.[0] ?? p.ratio;

/**
 * The A/A control of the run (full runs), beside a same-process ratio: how far the method alone
 * moved a ratio whose true value is 1.
 */
function control(r: BenchResults, adapter: Adapter, p: PairedRatio): string {
  const c = r.ratio_pairs[`control_same_route${suffix(adapter)}`];
  if (!p.same_process || !c?.ci95) return '';
  return `, A/A control ${c.ratio.toFixed(3)}× [${c.ci95[0].toFixed(3)}, ${c.ci95[1].toFixed(3)}]`;
}

/** A paired ratio at or above `min` on both adapters: the lower end of its 95% confidence interval. */
function pairedGoal(goal: string, name: string, min: number): Goal {
  return {
    goal: `${goal} (Fastify and Express; lower end of the 95% CI of the paired median)`,
    measured: (r) =>
      ADAPTERS.map((a) => {
        const p = pair(r, name, a);
        return `${a === 'fastify' ? 'Fastify' : 'Express'} ${spread(p)}${control(r, a, p)}`;
      }).join('; '),
    met: (r) => ADAPTERS.every((a) => atLeast(pair(r, name, a)) >= min),
  };
}

/** Propagation p99 within B's own event-loop delay p99 + 2 ms, idle and under load. */
function propagationGoal(label: string, key: 'redis' | 'postgres_notify'): Goal {
  const within = (p: BenchResults['propagation_ms']['redis']['idle']) =>
    p.p99 <= p.b_event_loop_delay_ms.p99 + 2;
  return {
    goal: `propagation p99 ≤ B's event-loop delay p99 + 2 ms via ${label} (idle / load)`,
    measured: (r) => {
      const { idle, load } = r.propagation_ms[key];
      return `${idle.p99.toFixed(2)} / ${load.p99.toFixed(2)} ms against ${idle.b_event_loop_delay_ms.p99.toFixed(2)} / ${load.b_event_loop_delay_ms.p99.toFixed(2)} ms`;
    },
    met: (r) => within(r.propagation_ms[key].idle) && within(r.propagation_ms[key].load),
  };
}

export const GOALS: Goal[] = [
  pairedGoal(
    'revocation-checked route (1M loaded) ≥ 0.85× no guard',
    'revocation_vs_no_guard',
    0.85,
  ),
  pairedGoal(
    '≥ 1.5× stock passport-jwt with a KeyObject secret',
    'revocation_vs_stock_passport_keyobject',
    1.5,
  ),
  pairedGoal(
    'cache-hostile (a different token per request) ≥ 0.97× verify-only',
    'revocation_hostile_vs_verify_only',
    0.97,
  ),
  pairedGoal(
    'revocation, token cache off, ≥ 0.97× verify-only',
    'revocation_uncached_vs_verify_only',
    0.97,
  ),
  {
    goal: '1M entries ≥ 0.97× empty (Fastify: pairs, lower end of the 95% CI, and rounds)',
    measured: (r) =>
      `${spread(pair(r, 'revocation_1m_vs_empty', 'fastify'))}; rounds ${r.ratios.revocation_1m_vs_empty_rounds.toFixed(3)}×; Express pairs ${pair(r, 'revocation_1m_vs_empty', 'express').ratio.toFixed(3)}×`,
    met: (r) =>
      atLeast(pair(r, 'revocation_1m_vs_empty', 'fastify')) >= 0.97 &&
      r.ratios.revocation_1m_vs_empty_rounds >= 0.97,
  },
  {
    goal: 'adds ≤ 1 ms p99 at half load (revocation 1M over verify-only): the upper end of the 95% confidence interval of the median per-pair difference',
    measured: (r) => {
      const h = r.half_load;
      const check = `the check itself ${(r.check_ns.p99_ns / 1000).toFixed(2)} µs at p99`;
      if (!h.added_p99_ci95 || !h.control_p99_ci95) {
        return `${h.added_p99.toFixed(3)} ms at p99 over ${h.added_p99_pairs.length} pairs of long slices, A/A control ${Math.min(...h.control_p99_pairs)} to ${Math.max(...h.control_p99_pairs)} ms: no confidence interval in this run, not judged; ${check}`;
      }
      const [lo, hi] = h.added_p99_ci95;
      const [clo, chi] = h.control_p99_ci95;
      return `${h.added_p99.toFixed(2)} ms at p99 [95% CI ${lo.toFixed(2)}, ${hi.toFixed(2)}], ${h.added_mean.toFixed(3)} ms mean (paced at ${h.rate} req/s, ${h.added_p99_pairs.length} pairs of ${h.slice_s} s slices; A/A control ${h.control_p99!.toFixed(2)} [${clo.toFixed(2)}, ${chi.toFixed(2)}] ms); ${check}`;
    },
    met: (r) => r.half_load.added_p99_ci95 !== undefined && r.half_load.added_p99_ci95[1] <= 1,
  },
  {
    goal: '≥ 2× naive TypeORM lookup on SQLite (rounds)',
    measured: (r) => `${r.ratios.revocation_vs_naive_sqlite.toFixed(2)}×`,
    met: (r) => r.ratios.revocation_vs_naive_sqlite >= 2,
  },
  {
    goal: '≥ 3× naive TypeORM lookup on Postgres (rounds)',
    measured: (r) => `${r.ratios.revocation_vs_naive_postgres.toFixed(2)}×`,
    met: (r) => r.ratios.revocation_vs_naive_postgres >= 3,
  },
  propagationGoal('Redis', 'redis'),
  propagationGoal('Postgres NOTIFY', 'postgres_notify'),
  {
    goal: 'propagation p99 ≤ poll interval + 10 ms by polling',
    measured: (r) =>
      `${r.propagation_ms.polling.idle.p99.toFixed(1)} / ${r.propagation_ms.polling.load.p99.toFixed(1)} ms (interval ${r.poll_interval_ms} ms)`,
    met: (r) =>
      Math.max(r.propagation_ms.polling.idle.p99, r.propagation_ms.polling.load.p99) <=
      r.poll_interval_ms + 10,
  },
  {
    goal: '≤ 64 MB per 1M revoked jti',
    measured: (r) => `${r.memory_per_1m_jti.total_mb.toFixed(1)} MB`,
    met: (r) => r.memory_per_1m_jti.total_mb <= 64,
  },
  {
    goal: '1M entries loaded and ready in ≤ 2 s (SQLite / Postgres)',
    measured: (r) =>
      `${Math.round(r.load_1m.sqlite.ready_ms)} / ${Math.round(r.load_1m.postgres.ready_ms)} ms`,
    met: (r) => Math.max(r.load_1m.sqlite.ready_ms, r.load_1m.postgres.ready_ms) <= 2000,
  },
  {
    goal: 'user-wide revocation without its count (`count: false`) costs the same for 1 or 10,000 live sessions (SQLite / Postgres; within 25% + 0.5 ms)',
    measured: (r) =>
      (['sqlite', 'postgres'] as const)
        .map((db) => {
          const { live_1, live_10000 } = r.revoke_user_ms[db].uncounted;
          return `${live_1.toFixed(2)} vs ${live_10000.toFixed(2)} ms`;
        })
        .join(' / '),
    met: (r) =>
      (['sqlite', 'postgres'] as const).every((db) => {
        const { live_1, live_10000 } = r.revoke_user_ms[db].uncounted;
        return live_10000 <= live_1 * 1.25 + 0.5;
      }),
  },
  {
    goal: '`npm run bench -- --quick` ≤ 3 minutes (measured from the run’s start; quick runs only)',
    measured: (r) => `${Math.round(r.duration_s)} s${r.quick ? '' : ' (full run: not judged)'}`,
    met: (r) => !r.quick || r.duration_s <= 180,
  },
];
