/**
 * The runs behind the claims, as the checks see them: every cell of every arm, read back from
 * the files the run wrote (config.json, metrics.ndjson, histograms.ndjson, summary.json), with
 * the few facts of its resolved config a check needs (seed, width, depth, activation, classes).
 * Checks never read a file themselves.
 */
import { join, resolve } from 'node:path';
import { INDEX_FILE } from '../results/layout.js';
import { cellFolder } from '../results/names.js';
import { readRunIndex } from '../results/read-index.js';
import { readRun } from '../results/read-run.js';
import { isObject, type JsonObject } from '../results/read.js';
import type { HistogramRecord, MetricRecord, Summary } from '../results/types.js';
import * as text from './text.js';

/** One trained cell of an arm. */
export interface Cell {
  /** `<experiment>/<cell id>`. */
  readonly ref: string;
  /** The cell folder (absolute). */
  readonly dir: string;
  readonly seed: number;
  readonly width: number;
  readonly depth: number;
  readonly activation: string;
  /** Classes of a classification task (chance = 1 / classes); null for regression. */
  readonly classes: number | null;
  readonly config: JsonObject;
  readonly summary: Summary | null;
  readonly records: readonly MetricRecord[];
  readonly histograms: readonly HistogramRecord[];
}

/** The cells of one arm of a study, over its evaluation seeds (and its sweep, if any). */
export interface ArmRuns {
  /** `<study>/<arm>`. */
  readonly ref: string;
  readonly study: string;
  readonly arm: string;
  /** The experiment folder. */
  readonly dir: string;
  /** The learning rate of its runs (null: a study that does not train). */
  readonly lr: number | null;
  readonly cells: readonly Cell[];
}

export class MissingRunError extends Error {
  override readonly name = 'MissingRunError';
  constructor(readonly ref: string) {
    super(text.missingRun(ref));
  }
}

const obj = (v: unknown): Readonly<Record<string, unknown>> => (isObject(v) ? v : {});
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** Classes of the data of a resolved config: mnist 10, spirals/blobs `classes`, checkerboard 2, else null. */
export function classesOf(config: Readonly<Record<string, unknown>>): number | null {
  const data = obj(config.data);
  if (data.kind === 'mnist') return 10;
  if (data.kind === 'checkerboard' || data.kind === 'moons') return 2;
  return typeof data.classes === 'number' ? data.classes : null;
}

/** Reads one cell folder. */
export function readCell(ref: string, dir: string): Cell {
  const run = readRun(dir);
  const config = run.config ?? {};
  const model = obj(config.model);
  return {
    ref,
    dir,
    seed: num(config.seed),
    width: num(model.width),
    depth: num(model.depth),
    activation: typeof obj(model.activation).name === 'string' ? String(obj(model.activation).name) : '',
    classes: classesOf(config),
    config,
    summary: run.summary,
    records: run.records,
    histograms: run.histograms,
  };
}

/** Reads every cell an experiment's index.json lists; an experiment that never wrote one has no cells. */
export function readArm(meta: Omit<ArmRuns, 'cells'>): ArmRuns {
  const index = readRunIndex(meta.dir);
  const cells = (index?.cells ?? []).map((e, i) => readCell(`${index!.experiment}/${e.id}`, cellFolder(meta.dir, e.path, join(meta.dir, INDEX_FILE), `cells[${i}].path`)));
  return { ...meta, cells };
}

/** The cell of an arm for one seed (and width, when the arm sweeps widths); throws MissingRunError. */
export function cellAt(arm: ArmRuns, seed: number, width?: number): Cell {
  const c = arm.cells.find((x) => x.seed === seed && (width === undefined || x.width === width));
  if (c === undefined) throw new MissingRunError(`${arm.ref} seed ${seed}${width === undefined ? '' : ` width ${width}`}`);
  return c;
}

/** The cells of an arm at the given seeds (every width of a swept arm). */
export function cellsAt(arm: ArmRuns, seeds: readonly number[]): Cell[] {
  return arm.cells.filter((c) => seeds.includes(c.seed));
}

/** The widths an arm covers, ascending. */
export function widthsOf(arm: ArmRuns): number[] {
  return [...new Set(arm.cells.map((c) => c.width))].sort((a, b) => a - b);
}

export const isOk = (c: Cell): boolean => c.summary?.status === 'ok';
export const isDiverged = (c: Cell): boolean => c.summary?.status === 'diverged';
