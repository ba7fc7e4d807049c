/** How long and how often a run measures: `npm run bench` (full) or `npm run bench -- --quick`. */
export interface BenchSettings {
  quick: boolean;
  /** Rounds of the throughput table, every scenario in turn (alternating order). */
  rounds: number;
  /** Warm-up before each measurement: [first round, later rounds]. */
  warmupS: [number, number];
  measureS: number;
  /**
   * Back-to-back pairs per ratio (A B, B A, ...), each slice `pairS` long: the ratio is taken per
   * pair, which cancels the drift of a shared machine between rounds; many short pairs read better
   * than a few long ones (the same route against itself, 2026-12-08: 250 pairs of 0.1 s gave 95%
   * intervals of ±2% in a probe and ±3% in the full run after it, 50 pairs of 0.5 s ±5%, in the
   * same time).
   */
  pairs: number;
  pairS: number;
  pairWarmupS: number;
  /**
   * Half load: pairs of short slices. Stalls from other tenants (10 to 40 ms on this machine) set
   * the p99 of any slice they fall in; with many short slices most pairs miss them, and the median
   * of the per-pair differences, with its confidence interval, reads through them.
   */
  halfLoadPairs: number;
  halfLoadSliceS: number;
  connections: number;
  /** Revocations per transport and phase: the p99 of 1,000 is the 10th worst, of 200 the 2nd. */
  propagationSamples: number;
  /** Mean pause between two revocations in the propagation runs. */
  propagationGapMs: number;
  pollIntervalS: number;
  /** Fresh instances started to time the 1M load, and rounds of the user-wide revocation cost. */
  loadBoots: number;
  costRounds: number;
  liveSockets: number;
  /** Rows of the naive guards' table of revoked jtis (an index lookup: its size barely matters). */
  naiveRows: number;
}

export function benchSettings(argv: string[]): BenchSettings {
  const quick = argv.includes('--quick');
  return quick
    ? {
        quick,
        rounds: 1,
        warmupS: [0.5, 0],
        measureS: 0.5,
        pairs: 16,
        pairS: 0.1,
        pairWarmupS: 0.2,
        halfLoadPairs: 16,
        halfLoadSliceS: 0.25,
        connections: 32,
        propagationSamples: 100,
        propagationGapMs: 5,
        pollIntervalS: 0.25,
        loadBoots: 1,
        costRounds: 5,
        liveSockets: 10_000,
        naiveRows: 100_000,
      }
    : {
        quick,
        rounds: 3,
        warmupS: [3, 1],
        measureS: 5,
        pairs: 250,
        pairS: 0.1,
        pairWarmupS: 2,
        halfLoadPairs: 100,
        halfLoadSliceS: 0.25,
        connections: 32,
        propagationSamples: 1000,
        propagationGapMs: 15,
        pollIntervalS: 0.25,
        loadBoots: 3,
        costRounds: 9,
        liveSockets: 10_000,
        naiveRows: 1_000_000,
      };
}
