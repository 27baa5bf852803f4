/**
 * <cell>/summary.json read back as a closed `Summary`. The core fields are always there
 * (numbers missing from the file read as NaN, optional ones as null; an unknown status as
 * `failed`); each of the recorder's blocks is kept when it is well formed and left out otherwise,
 * so a consumer tests `summary.theory === undefined` rather than re-parsing the file.
 */
import { join } from 'node:path';
import { ACTIVATION_NAMES } from '../net/activations.js';
import { SUMMARY_FILE } from './layout.js';
import { finite, isObject, readJson, ResultsFileError, strings, toLayerRecords, toNum } from './read.js';
import {
  RUN_STATUSES, type DeadLayerSummary, type DeadUnitEvent, type DivergenceInfo, type RunStatus, type Summary,
  type StoredTheory, type SummaryPoint,
} from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const DIVERGED_WHAT: readonly DivergenceInfo['what'][] = ['loss', 'activation', 'gradient', 'weight'];

function toDivergence(v: unknown): DivergenceInfo | undefined {
  if (!isObject(v) || typeof v.step !== 'number') return undefined;
  return { step: v.step, layer: finite(v.layer), what: DIVERGED_WHAT.find((w) => w === v.what) ?? 'loss' };
}

/** summary.initial / summary.final: an object (its layers default to none), null as null. */
export function toSummaryPoint(v: unknown): SummaryPoint | null | undefined {
  if (v === null) return null;
  if (!isObject(v)) return undefined;
  return {
    step: finite(v.step) ?? NaN,
    epoch: finite(v.epoch) ?? NaN,
    loss: finite(v.loss) ?? NaN,
    vanishing: finite(v.vanishing),
    deltaGrowth: finite(v.deltaGrowth),
    actGrowth: finite(v.actGrowth),
    deadUnits: finite(v.deadUnits) ?? NaN,
    deadFraction: finite(v.deadFraction) ?? NaN,
    layers: toLayerRecords(v.layers),
  };
}

const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => toNum(x) ?? NaN) : []);

/** summary.theory (src/metrics/theory.ts TheoryBlock and the measurement beside it). */
export function toTheory(v: unknown): StoredTheory | null | undefined {
  if (v === null) return null;
  if (!isObject(v)) return undefined;
  const activation = ACTIVATION_NAMES.find((a) => a === v.activation) ?? null;
  return {
    applies: v.applies !== false,
    // Older files said `reason` (one string).
    reasons: [...strings(v.reasons), ...strings(v.reason)],
    notes: strings(v.notes),
    activation,
    sigmaW2: finite(v.sigmaW2) ?? NaN,
    sigmaB2: finite(v.sigmaB2) ?? NaN,
    width: finite(v.width) ?? NaN,
    depth: finite(v.depth) ?? NaN,
    qStar: finite(v.qStar),
    qGrowthFactor: finite(v.qGrowthFactor),
    chi1: finite(v.chi1),
    predictedDeltaFactor: finite(v.predictedDeltaFactor),
    gradientDepthScale: finite(v.gradientDepthScale),
    q0: finite(v.q0) ?? NaN,
    qPerLayer: numbers(v.qPerLayer),
    chi1PerLayer: numbers(v.chi1PerLayer),
    trajectoryDeltaFactor: finite(v.trajectoryDeltaFactor),
    quadraturePoints: finite(v.quadraturePoints) ?? NaN,
    measuredDeltaFactor: finite(v.measuredDeltaFactor),
    relativeError: finite(v.relativeError),
  };
}

/** summary.deadUnits: per hidden layer, counts absent from the file read as 0. */
function toDeadLayers(v: unknown): DeadLayerSummary[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter(isObject).map((l) => ({
    layer: finite(l.layer) ?? NaN,
    units: finite(l.units) ?? 0,
    deadAtInit: finite(l.deadAtInit) ?? 0,
    deadNow: finite(l.deadNow) ?? 0,
    everDead: finite(l.everDead) ?? 0,
    died: finite(l.died) ?? 0,
    revivals: finite(l.revivals) ?? 0,
    unitsRevived: finite(l.unitsRevived) ?? 0,
    permanentlyDead: finite(l.permanentlyDead) ?? 0,
  }));
}

/** summary.deadUnitEvents: events without a numeric layer and step are left out. */
function toDeadEvents(v: unknown): DeadUnitEvent[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: DeadUnitEvent[] = [];
  for (const e of v) {
    if (!isObject(e)) continue;
    const layer = finite(e.layer);
    const step = finite(e.step);
    if (layer === null || step === null) continue;
    out.push({ step, layer, unit: finite(e.unit) ?? NaN, kind: e.kind === 'revived' ? 'revived' : 'died' });
  }
  return out;
}

const matrix = (v: unknown): number[][] | null =>
  Array.isArray(v) && v.every(Array.isArray) ? v.map((row: unknown[]) => row.map((x) => toNum(x) ?? NaN)) : null;

function toPreluSlopes(v: unknown): Summary['preluSlopes'] {
  if (!isObject(v)) return undefined;
  const initial = matrix(v.initial);
  const final = matrix(v.final);
  return initial !== null && final !== null ? { initial, final } : undefined;
}

/** The recorder's blocks of a summary object, each present only when well formed. */
function recorderBlocks(v: Readonly<Record<string, unknown>>): Partial<Mutable<Summary>> {
  const out: Partial<Mutable<Summary>> = {};
  const initial = toSummaryPoint(v.initial);
  if (initial !== undefined) out.initial = initial;
  const final = toSummaryPoint(v.final);
  if (final !== undefined) out.final = final;
  if (typeof v.bornDead === 'boolean') out.bornDead = v.bornDead;
  if (Array.isArray(v.bornDeadLayers)) out.bornDeadLayers = v.bornDeadLayers.filter((x): x is number => typeof x === 'number');
  if (v.measuredDeltaFactorAtInit !== undefined) out.measuredDeltaFactorAtInit = finite(v.measuredDeltaFactorAtInit);
  if (Array.isArray(v.actRmsGrowthOverTime)) out.actRmsGrowthOverTime = v.actRmsGrowthOverTime.map(finite);
  const deadUnits = toDeadLayers(v.deadUnits);
  if (deadUnits !== undefined) out.deadUnits = deadUnits;
  const events = toDeadEvents(v.deadUnitEvents);
  if (events !== undefined) out.deadUnitEvents = events;
  const dropped = finite(v.deadUnitEventsDropped);
  if (dropped !== null) out.deadUnitEventsDropped = dropped;
  const slopes = toPreluSlopes(v.preluSlopes);
  if (slopes !== undefined) out.preluSlopes = slopes;
  const theory = toTheory(v.theory);
  if (theory !== undefined) out.theory = theory;
  return out;
}

/** A parsed summary.json as a Summary; null when it is not a JSON object. */
export function toSummary(v: unknown): Summary | null {
  if (!isObject(v)) return null;
  const status: RunStatus = RUN_STATUSES.find((s) => s === v.status) ?? 'failed';
  const n = (k: string): number => finite(v[k]) ?? NaN;
  const diverged = toDivergence(v.diverged);
  return {
    status,
    steps: n('steps'),
    epochs: n('epochs'),
    finalLoss: finite(v.finalLoss),
    trainAcc: finite(v.trainAcc),
    testAcc: finite(v.testAcc),
    trainLoss: finite(v.trainLoss),
    testLoss: finite(v.testLoss),
    timeSec: n('timeSec'),
    stepsPerSec: n('stepsPerSec'),
    params: n('params'),
    kernel: typeof v.kernel === 'string' ? v.kernel : '',
    ...(typeof v.loss === 'string' ? { loss: v.loss } : {}),
    ...(typeof v.task === 'string' ? { task: v.task } : {}),
    ...(diverged !== undefined ? { diverged } : {}),
    ...(Array.isArray(v.savedWeights) ? { savedWeights: strings(v.savedWeights) } : {}),
    ...(typeof v.error === 'string' ? { error: v.error } : {}),
    ...recorderBlocks(v),
  };
}

/**
 * <cell>/summary.json: null when missing (the cell is still running, or was killed); throws
 * ResultsFileError when it is not a JSON object.
 */
export function readSummary(cellDir: string): Summary | null {
  const path = join(cellDir, SUMMARY_FILE);
  const v = readJson(path);
  if (v === undefined) return null;
  const summary = toSummary(v);
  if (summary === null) throw new ResultsFileError(path, 'expected a JSON object {"status", "steps", ...}');
  return summary;
}
