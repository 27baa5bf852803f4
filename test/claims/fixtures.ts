/**
 * Hand-made runs for the claims tests: cells and arms with just the fields a check reads, so the
 * verdict logic can be driven with chosen numbers (no training).
 */
import type { LayerRecord, MetricRecord, Summary } from '../../src/results/types.js';
import type { ArmRuns, Cell } from '../../src/claims/runs.js';

export interface CellSpec {
  readonly seed: number;
  readonly status?: Summary['status'];
  readonly testAcc?: number | null;
  readonly trainAcc?: number | null;
  readonly trainLoss?: number | null;
  readonly classes?: number | null;
  readonly width?: number;
  readonly depth?: number;
  readonly steps?: number;
  readonly every?: number;
  readonly records?: readonly MetricRecord[];
  readonly initial?: readonly LayerRecord[];
  readonly final?: readonly LayerRecord[];
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** One hidden layer record with the given fields (norms default to 1). */
export function layer(l: number, o: Partial<LayerRecord> = {}): LayerRecord {
  return { layer: l, gradNorm: 1, biasGradNorm: 1, deltaNorm: 1, weightNorm: 1, updateRatio: 0, ...o };
}

export function cell(s: CellSpec, experiment = 'exp'): Cell {
  const depth = s.depth ?? 3;
  const status = s.status ?? 'ok';
  const point = (layers: readonly LayerRecord[] | undefined) =>
    layers === undefined ? null : { step: 0, epoch: 0, loss: 1, vanishing: null, deltaGrowth: null, actGrowth: null, deadUnits: 0, deadFraction: 0, layers };
  const summary: Summary = {
    status, steps: s.steps ?? 100, epochs: 1, finalLoss: 1,
    trainAcc: s.trainAcc ?? null, testAcc: s.testAcc ?? null, trainLoss: s.trainLoss ?? null, testLoss: null,
    timeSec: 1, stepsPerSec: 100, params: 10, kernel: 'ts',
    initial: point(s.initial), final: point(s.final),
    ...(s.extra ?? {}),
  };
  return {
    ref: `${experiment}/seed=${s.seed}`,
    dir: `/nowhere/${experiment}/seed=${s.seed}`,
    seed: s.seed,
    width: s.width ?? 16,
    depth,
    activation: 'relu',
    classes: s.classes === undefined ? 10 : s.classes,
    config: { seed: s.seed, train: { steps: s.steps ?? 100, lr: 0.1 }, metrics: { every: s.every ?? 50 } },
    summary,
    records: s.records ?? [],
    histograms: [],
  };
}

export function arm(ref: string, cells: readonly Cell[], lr: number | null = 0.1): ArmRuns {
  const [study, name] = ref.split('/');
  return { ref, study, arm: name, dir: `/nowhere/${ref}`, lr, cells };
}
