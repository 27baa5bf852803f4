/**
 * The statistics of sweep-summary.json. Cells that differ only in their seed form a group (a
 * Monte-Carlo sample of one setting); for each group, each numeric outcome gets
 *   mean, std (sample, n - 1), min, p5, p50, p95, max  over the cells where it is finite
 * (quantiles by linear interpolation between order statistics, numpy's default), and each
 * yes/no outcome a proportion with its Wilson score 95% interval (Wilson 1927):
 *   p = k/n,  centre = (p + z^2/2n) / (1 + z^2/n),
 *   half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n),  z = 1.959964
 * which, unlike p +- z sqrt(p(1-p)/n), stays inside [0, 1] and is not empty at k = 0 or k = n.
 */
import { canonicalJson } from '../config/expand.js';
import { fromEntries } from './read-index.js';
import {
  AGGREGATED_METRICS, type AggregatedMetric, type GroupSummary, type NumericAggregate, type Proportion, type Summary,
  type SweepSummary,
} from './types.js';

/** z of a two-sided 95% normal interval. */
export const Z95 = 1.959963984540054;

/** q-quantile (0 <= q <= 1) of ascending `sorted` by linear interpolation: x[(n-1)q]; NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Mean, sample std, extremes and the 5/50/95% quantiles of the finite values among `values`. */
export function aggregate(values: readonly (number | null | undefined)[]): NumericAggregate {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return { n, mean: null, std: null, min: null, p5: null, p50: null, p95: null, max: null };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const ss = xs.reduce((s, x) => s + (x - mean) * (x - mean), 0);
  return {
    n,
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : null,
    min: xs[0],
    p5: quantile(xs, 0.05),
    p50: quantile(xs, 0.5),
    p95: quantile(xs, 0.95),
    max: xs[n - 1],
  };
}

/** k successes in n trials with the Wilson score interval at `z` (95% by default). */
export function wilson(k: number, n: number, z = Z95): Proportion {
  if (n === 0) return { k, n, p: null, lo: null, hi: null };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { k, n, p, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** One cell as the aggregation sees it: its overrides, its status and its summary.json (if any). */
export interface CellOutcome {
  readonly id: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly status: string;
  /** The cell's config seed (null when unknown). */
  readonly seed: number | null;
  readonly summary: Summary | null;
}

/** Each aggregated metric read from a summary (AGGREGATED_METRICS names them by their path). */
const METRIC: Readonly<Record<AggregatedMetric, (s: Summary) => number | null | undefined>> = {
  finalLoss: (s) => s.finalLoss,
  trainLoss: (s) => s.trainLoss,
  testLoss: (s) => s.testLoss,
  trainAcc: (s) => s.trainAcc,
  testAcc: (s) => s.testAcc,
  steps: (s) => s.steps,
  'initial.vanishing': (s) => s.initial?.vanishing,
  'final.vanishing': (s) => s.final?.vanishing,
  'initial.deltaGrowth': (s) => s.initial?.deltaGrowth,
  'initial.actGrowth': (s) => s.initial?.actGrowth,
  'initial.deadFraction': (s) => s.initial?.deadFraction,
  'final.deadFraction': (s) => s.final?.deadFraction,
  measuredDeltaFactorAtInit: (s) => s.measuredDeltaFactorAtInit,
};

const SEED_KEY = 'seed';

function groupLabel(id: string): string {
  const kept = id.split(',').filter((part) => !part.startsWith(`${SEED_KEY}=`));
  return kept.length === 0 || (kept.length === 1 && kept[0] === 'run') ? 'all' : kept.join(',');
}

const withoutSeed = (overrides: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(overrides).filter(([k]) => k !== SEED_KEY));

/** Groups `cells` (in their order) by every override but the seed and aggregates each group. */
export function summarizeSweep(experiment: string, cells: readonly CellOutcome[]): SweepSummary {
  const groups = new Map<string, CellOutcome[]>();
  for (const c of cells) {
    const key = canonicalJson(withoutSeed(c.overrides));
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  const out: GroupSummary[] = [];
  for (const members of groups.values()) {
    const first = members[0];
    const dead = members.map((c) => c.summary?.bornDead).filter((v): v is boolean => typeof v === 'boolean');
    out.push({
      group: groupLabel(first.id),
      overrides: withoutSeed(first.overrides),
      n: members.length,
      seeds: members.map((c) => c.seed),
      metrics: fromEntries(AGGREGATED_METRICS.map((m) => [m, aggregate(members.map((c) => (c.summary === null ? null : METRIC[m](c.summary))))] as const)),
      proportions: {
        ok: wilson(members.filter((c) => c.status === 'ok').length, members.length),
        diverged: wilson(members.filter((c) => c.status === 'diverged').length, members.length),
        bornDead: wilson(dead.filter(Boolean).length, dead.length),
      },
    });
  }
  return {
    experiment,
    cells: cells.length,
    groupedBy: 'every swept value except the seed',
    confidence: 0.95,
    quantiles: 'linear interpolation between order statistics (numpy default); metrics over cells where the value is finite',
    groups: out,
  };
}
