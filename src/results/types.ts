/**
 * The files a run writes, as types: the one place report, claims, shard, resume and merge take
 * them from. Names follow DESIGN.md (the contract); fields may be added, never renamed.
 *
 * The per-record vocabulary (a line of metrics.ndjson or histograms.ndjson, the recorder's
 * blocks of summary.json) is defined by src/metrics, which produces it, and re-exported here.
 *
 * Layer indexing: layer 0 is the first hidden layer (next to the input); layer `depth` is the
 * output layer.
 */
import type { RecorderSummary, TheorySummary } from '../metrics/recorder.js';
import type { DivergenceInfo, RunStatus } from '../metrics/types.js';
import type { ActivationName } from '../net/activations.js';

export type { DivergenceInfo, Histogram, HistogramRecord, LayerRecord, MetricRecord, RunStatus } from '../metrics/types.js';
export type { RecorderSummary, SummaryPoint, TheorySummary } from '../metrics/recorder.js';
export type { TheoryBlock } from '../metrics/theory.js';
export type { DeadLayerSummary, DeadUnitEvent } from '../metrics/dead.js';

export const RUN_STATUSES: readonly RunStatus[] = ['ok', 'diverged', 'interrupted', 'failed'];

/** Statuses that end a cell for good: a rerun with the same config would end the same way. */
export const FINISHED_STATUSES: readonly RunStatus[] = ['ok', 'diverged'];

/**
 * summary.theory as read back: the recorder's block, with `activation` null when the file names
 * none the registry knows (an older or hand-made file).
 */
export interface StoredTheory extends Omit<TheorySummary, 'activation'> {
  readonly activation: ActivationName | null;
}

/**
 * summary.json: written atomically when a cell ends, whatever the end. The recorder's blocks
 * (initial, final, dead units, theory, ...) are always written by the trainer; a reader of an
 * older or hand-made file may find any of them absent.
 */
export interface Summary extends Partial<Omit<RecorderSummary, 'theory'>> {
  readonly theory?: StoredTheory | null;
  readonly status: RunStatus;
  /** Steps completed (updates applied). */
  readonly steps: number;
  readonly epochs: number;
  readonly finalLoss: number | null;
  readonly trainAcc: number | null;
  readonly testAcc: number | null;
  readonly trainLoss: number | null;
  readonly testLoss: number | null;
  readonly timeSec: number;
  readonly stepsPerSec: number;
  readonly params: number;
  readonly kernel: string;
  /** The loss's registry name (`cross_entropy`, `mse`). */
  readonly loss?: string;
  /** `classification` or `regression`. */
  readonly task?: string;
  readonly diverged?: DivergenceInfo;
  /** Weights files written (train.saveWeights), relative to the cell folder. */
  readonly savedWeights?: readonly string[];
  readonly error?: string;
}

/** A cell's status in an index file: a RunStatus once it ended. */
export type CellStatus = RunStatus | 'pending' | 'running';

/** One cell of index.json. */
export interface IndexCell {
  readonly id: string;
  /** The cell folder, relative to the experiment folder. */
  readonly path: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly status: CellStatus;
}

/** <out>/<name>/index.json */
export interface RunIndex {
  readonly experiment: string;
  readonly cells: readonly IndexCell[];
}

/** Shard `index` of `count`, 1 <= index <= count; `source` says where it came from (for messages). */
export interface Shard {
  readonly index: number;
  readonly count: number;
  readonly source: string;
}

/** One cell of a sharded experiment's plan. */
export interface PlanEntry {
  readonly id: string;
  readonly overrides: Readonly<Record<string, unknown>>;
  /** sha256 of the cell's resolved config (`configHash`), as its config.json will hash. */
  readonly configHash: string;
  /** Estimated cost, parameters x (steps + 1) x batch (src/shard/partition.ts). */
  readonly cost: number;
  /** 1-based shard the cell belongs to. */
  readonly shard: number;
}

/**
 * <out>/<name>/index.shard-I-of-N.json: this shard's cells (the RunIndex shape, so tools that
 * read index.json can read it) and the plan of the whole experiment, so that `gradflow merge`
 * knows which cells must be present even when a shard never ran.
 */
export interface ShardIndex extends RunIndex {
  readonly shard: Shard;
  /** Every cell of the experiment, in the order of index.json. */
  readonly plan: readonly PlanEntry[];
}

/** Aggregate of one numeric outcome over the cells of a group where it is finite. */
export interface NumericAggregate {
  readonly n: number;
  readonly mean: number | null;
  /** Sample standard deviation (n - 1); null for n < 2. */
  readonly std: number | null;
  readonly min: number | null;
  readonly p5: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly max: number | null;
}

/** k successes in n trials, with the Wilson 95% interval [lo, hi]. */
export interface Proportion {
  readonly k: number;
  readonly n: number;
  readonly p: number | null;
  readonly lo: number | null;
  readonly hi: number | null;
}

/** Numeric outcomes aggregated, by their path in summary.json. */
export const AGGREGATED_METRICS = [
  'finalLoss', 'trainLoss', 'testLoss', 'trainAcc', 'testAcc', 'steps',
  'initial.vanishing', 'final.vanishing', 'initial.deltaGrowth', 'initial.actGrowth',
  'initial.deadFraction', 'final.deadFraction', 'measuredDeltaFactorAtInit',
] as const;
export type AggregatedMetric = (typeof AGGREGATED_METRICS)[number];

/** Yes/no outcomes: status ok, status diverged, born dead (a hidden layer dead at step 0). */
export const AGGREGATED_PROPORTIONS = ['ok', 'diverged', 'bornDead'] as const;
export type AggregatedProportion = (typeof AGGREGATED_PROPORTIONS)[number];

/** One group of sweep-summary.json: the cells that differ only in their seed. */
export interface GroupSummary {
  /** The cell id without its `seed=` part (`all` when nothing else was swept). */
  readonly group: string;
  /** The group's swept values (every override but the seed). */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** Cells in the group; their ids are the group's plus `,seed=S`. */
  readonly n: number;
  readonly seeds: readonly (number | null)[];
  readonly metrics: Readonly<Record<AggregatedMetric, NumericAggregate>>;
  readonly proportions: Readonly<Record<AggregatedProportion, Proportion>>;
}

/** <out>/<name>/sweep-summary.json */
export interface SweepSummary {
  readonly experiment: string;
  readonly cells: number;
  readonly groupedBy: string;
  readonly confidence: number;
  readonly quantiles: string;
  readonly groups: readonly GroupSummary[];
}
