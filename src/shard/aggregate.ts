/**
 * `sweep-summary.json`: aggregates over seeds. Cells that differ only in their seed form a group
 * (a Monte-Carlo sample of one setting); for each group, each numeric outcome gets
 *   mean, std (sample, n - 1), min, p5, p50, p95, max  over the cells where it is finite
 * (quantiles by linear interpolation between order statistics, numpy's default), and each
 * yes/no outcome a proportion with its Wilson score 95% interval (Wilson 1927):
 *   p = k/n,  centre = (p + z^2/2n) / (1 + z^2/n),
 *   half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n),  z = 1.959964
 * which, unlike p +- z sqrt(p(1-p)/n), stays inside [0, 1] and is not empty at k = 0 or k = n.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../config/expand.js';
import { writeJsonAtomic } from '../train/io.js';

/** File name of the aggregates, in the experiment folder. */
export const SWEEP_SUMMARY_FILE = 'sweep-summary.json';

/** z of a two-sided 95% normal interval. */
export const Z95 = 1.959963984540054;

export interface NumericAggregate {
  /** Cells where the value is a finite number. */
  readonly n: number;
  readonly mean: number | null;
  readonly std: number | null;
  readonly min: number | null;
  readonly p5: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly max: number | null;
}

export interface Proportion {
  readonly k: number;
  readonly n: number;
  readonly p: number | null;
  /** Wilson 95% interval. */
  readonly lo: number | null;
  readonly hi: number | null;
}

/** q-quantile (0 <= q <= 1) of ascending `sorted` by linear interpolation: x[(n-1)q]. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Mean, sample std, extremes and quantiles of the finite values among `values`. */
export function describe(values: readonly (number | null | undefined)[]): NumericAggregate {
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
  readonly summary: Readonly<Record<string, unknown>> | null;
}

/** Numeric outcomes aggregated, by their path in summary.json. */
export const AGGREGATED_METRICS = [
  'finalLoss', 'trainLoss', 'testLoss', 'trainAcc', 'testAcc', 'steps',
  'initial.vanishing', 'final.vanishing', 'initial.deltaGrowth', 'initial.actGrowth',
  'initial.deadFraction', 'final.deadFraction', 'measuredDeltaFactorAtInit',
] as const;

/** Yes/no outcomes: status ok, status diverged, born dead (a hidden layer dead at step 0). */
export const AGGREGATED_PROPORTIONS = ['ok', 'diverged', 'bornDead'] as const;

export interface GroupSummary {
  /** The cell id without its `seed=` part (`all` when nothing else was swept). */
  readonly group: string;
  /** The group's swept values (every override but the seed). */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** Cells in the group; their ids are the group's plus `,seed=S`. */
  readonly n: number;
  readonly seeds: readonly (number | null)[];
  readonly metrics: Readonly<Record<(typeof AGGREGATED_METRICS)[number], NumericAggregate>>;
  readonly proportions: Readonly<Record<(typeof AGGREGATED_PROPORTIONS)[number], Proportion>>;
}

export interface SweepSummary {
  readonly experiment: string;
  readonly cells: number;
  readonly groupedBy: string;
  readonly confidence: number;
  readonly quantiles: string;
  readonly groups: readonly GroupSummary[];
}

const SEED_KEY = 'seed';

function at(obj: Readonly<Record<string, unknown>> | null, path: string): unknown {
  let v: unknown = obj;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function groupLabel(id: string): string {
  const kept = id.split(',').filter((part) => !part.startsWith(`${SEED_KEY}=`));
  return kept.length === 0 || (kept.length === 1 && kept[0] === 'run') ? 'all' : kept.join(',');
}

/** Groups `cells` (in their order) by every override but the seed and aggregates each group. */
export function summarizeSweep(experiment: string, cells: readonly CellOutcome[]): SweepSummary {
  const groups = new Map<string, CellOutcome[]>();
  for (const c of cells) {
    const rest = Object.fromEntries(Object.entries(c.overrides).filter(([k]) => k !== SEED_KEY));
    const key = canonicalJson(rest);
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  const out: GroupSummary[] = [];
  for (const members of groups.values()) {
    const first = members[0];
    const metrics = Object.fromEntries(AGGREGATED_METRICS.map((m) => [m, describe(members.map((c) => at(c.summary, m) as number | null))]));
    const dead = members.map((c) => at(c.summary, 'bornDead')).filter((v): v is boolean => typeof v === 'boolean');
    out.push({
      group: groupLabel(first.id),
      overrides: Object.fromEntries(Object.entries(first.overrides).filter(([k]) => k !== SEED_KEY)),
      n: members.length,
      seeds: members.map((c) => c.seed),
      metrics: metrics as GroupSummary['metrics'],
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

function readSummary(cellDir: string): Readonly<Record<string, unknown>> | null {
  try {
    const v: unknown = JSON.parse(readFileSync(join(cellDir, 'summary.json'), 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Writes `<expDir>/sweep-summary.json` from the summary.json of each cell (folder `<expDir>/<id>`). */
export function writeSweepSummary(expDir: string, experiment: string, cells: readonly Omit<CellOutcome, 'summary'>[]): string {
  const outcomes = cells.map((c) => ({ ...c, summary: readSummary(join(expDir, c.id)) }));
  const file = join(expDir, SWEEP_SUMMARY_FILE);
  writeJsonAtomic(file, summarizeSweep(experiment, outcomes));
  return file;
}
