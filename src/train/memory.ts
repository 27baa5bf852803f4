/**
 * How much memory one cell needs, estimated from its config alone, and the limit it must stay
 * under, so that `gradflow run` refuses a model that would not fit (exit 2, nothing written)
 * before anything is allocated, instead of dying halfway through a sweep.
 *
 *   bytes = s * (P + G + O + A + M) + D                       s = 4 (float32) or 8 (float64)
 *   P = G = parameters: sum over layers of fanOut * fanIn + fanOut (+ PReLU slopes)
 *   O = slots * P, slots = 0 (sgd), 1 (momentum), 2 (adam)
 *   A = every buffer the MLP allocates for maxRows rows (z, a, dz, x, dx; `denseBufferSizes`)
 *       plus the trainer's batch, targets and dL/dout, maxRows = max(batch, probe, EVAL_CHUNK = 512)
 *   M = the recorder's copy of the weights (update ratios) and its derivative buffer
 *   D = the data set: rows * (inputDim + targets) as float64 generated, split into a copy,
 *       and converted to the model's dtype, plus what a generator keeps (teacher weights and
 *       activations, blob centres, checkerboard tiles)
 *
 * The limit is per cell: min(8 GiB, 75% of the machine's memory). Typed arrays live outside
 * V8's heap, so the heap limit does not protect anything; 8 GiB keeps every single array far
 * below V8's largest typed array, and 75% leaves the operating system room.
 *
 * The whole run is checked too (`runPeak`), against 75% of the machine: the run keeps every
 * distinct data set it prepared (one per data config and seed: `seeds: {"count": 40}` on MNIST
 * holds 40 shuffled copies of the digits) while up to `--workers` cells train at once, each
 * worker thread loading its own copy of its cell's data:
 *
 *   peak = H + sum of the W largest cell estimates          W = min(workers, cells)
 *   H    = sum over distinct data sets of rows * (row bytes + 4), plus the MNIST digits once
 *          (parsed once per process) when a data set is MNIST
 *   with one worker the cell trains on the prepared data set, so its estimate counts those rows
 *   once less.
 */
import { totalmem } from 'node:os';
import type { DataConfig, ResolvedConfig } from '../config/schema.js';
import { normOf } from '../config/model.js';
import type { DataKind, Dataset } from '../data/index.js';
import { MNIST_CLASSES, MNIST_PIXELS, MNIST_SIZE } from '../data/mnist.js';
import { ACTIVATIONS, resolveActivationName } from '../net/activations.js';
import { denseBufferSizes } from '../net/dense.js';
import { mlpLayerSpecs } from '../net/mlp.js';
import { OPTIMIZERS } from '../net/optimizers.js';
import * as msg from '../messages.js';
import { cellSizes } from './sizes.js';

/** The fixed part of the limit: 8 GiB. */
export const MEMORY_CAP_BYTES = 8 * 2 ** 30;
/** The share of the machine's memory one cell may take. */
export const MEMORY_SHARE = 0.75;

/** A data set's size as the model sees it; `rows` bounds the training rows. */
export interface DataShape {
  readonly rows: number;
  readonly inputDim: number;
  readonly outputDim: number;
  /** Classification stores one int32 label a row; regression `outputDim` floats. */
  readonly task: 'classification' | 'regression';
  /** Bytes a generator holds besides the rows (teacher network, blob centres, tiles). */
  readonly extraBytes: number;
}

type DataOf<K extends DataKind> = Extract<DataConfig, { readonly kind: K }>;

/** The digits of the mnist package as float64 pixels and int32 labels, parsed once per process (and per worker thread). */
const MNIST_CACHE_BYTES = MNIST_SIZE * (8 * MNIST_PIXELS + 4);

/**
 * The shape of each data kind, read from its options before any row is drawn; null when only
 * the file knows (tensors, checked once loaded). Upper bounds: every row counts as training.
 */
const SHAPES: { readonly [K in DataKind]: (p: DataOf<K>) => DataShape | null } = {
  spirals: (p) => ({ rows: p.samples, inputDim: 2, outputDim: p.classes, task: 'classification', extraBytes: 8 * p.classes }),
  blobs: (p) => ({ rows: p.samples, inputDim: p.dims, outputDim: p.classes, task: 'classification', extraBytes: 8 * 17 * p.classes * p.dims }),
  moons: (p) => ({ rows: p.samples, inputDim: 2, outputDim: 2, task: 'classification', extraBytes: 0 }),
  // Each tile is a small JS array of two numbers (about 48 bytes with its slot).
  checkerboard: (p) => ({ rows: p.samples, inputDim: 2, outputDim: 2, task: 'classification', extraBytes: 48 * p.tiles * p.tiles }),
  teacher: (p) => {
    const wf = ACTIVATIONS[resolveActivationName(p.teacherActivation) ?? 'tanh'].widthFactor;
    const w = p.teacherWidth;
    const weights = p.teacherDepth === 0
      ? p.inputDim * p.outputDim
      : p.inputDim * w + (p.teacherDepth - 1) * w * wf * w + w * wf * p.outputDim;
    // The teacher's forward pass holds z and f(z) of one layer for every row at once.
    const acts = p.teacherDepth === 0 ? 0 : p.samples * w * (1 + wf);
    return { rows: p.samples, inputDim: p.inputDim, outputDim: p.outputDim, task: 'regression', extraBytes: 8 * (weights + acts) };
  },
  mnist: (p) => ({
    rows: Math.min(p.limit ?? MNIST_SIZE, MNIST_SIZE),
    inputDim: MNIST_PIXELS,
    outputDim: MNIST_CLASSES,
    task: 'classification',
    // The whole set is read before the limit applies.
    extraBytes: MNIST_CACHE_BYTES,
  }),
  tensors: () => null,
};

/** The data shape a config implies before loading (null for `tensors`: the file decides). */
export function dataShapeOf(data: DataConfig): DataShape | null {
  const shape = SHAPES[data.kind] as (p: DataConfig) => DataShape | null;
  return shape(data);
}

/** The exact shape of a loaded data set. */
export function loadedShape(data: Dataset): DataShape {
  return { rows: data.nTrain + data.nTest, inputDim: data.inputDim, outputDim: data.outputDim, task: data.task, extraBytes: 0 };
}

export interface MemoryEstimate {
  /** Trainable scalars (weights, biases, PReLU slopes). */
  readonly params: number;
  readonly bytes: number;
  /** Bytes per part; they sum to `bytes`. */
  readonly parts: {
    readonly weights: number;
    readonly gradients: number;
    readonly optimizer: number;
    readonly activations: number;
    readonly metrics: number;
    readonly data: number;
  };
}

/** The memory one cell of `config` needs on data of `shape` (see the module comment). */
export function estimateCellMemory(config: ResolvedConfig, shape: DataShape): MemoryEstimate {
  const { model, train, metrics } = config;
  const s = model.dtype === 'float64' ? 8 : 4;
  const { probeRows: probe, maxRows } = cellSizes(config, Math.max(1, shape.rows));
  const specs = mlpLayerSpecs({
    inputDim: shape.inputDim,
    outputDim: shape.outputDim,
    depth: model.depth,
    width: model.width,
    activation: model.activation.name,
    maxRows,
    norm: normOf(model),
  });
  let params = 0;
  let weightElems = 0;
  let buffers = 0;
  let widest = 0;
  // PReLU: one slope a layer, or one a unit with perUnit (the buffers hold fanOut either way).
  const perUnit = model.activation.perUnit === true;
  for (const spec of specs) {
    const w = spec.fanOut * spec.fanIn;
    const slopes = ACTIVATIONS[spec.activation].learned ? (perUnit ? spec.fanOut : 1) : 0;
    params += w + spec.fanOut + slopes;
    weightElems += w;
    // denseBufferSizes counts W, b, dW, db, slopes and their grads too: keep only the rest here.
    buffers += denseBufferSizes(spec).reduce((a, b) => a + b, 0) - 2 * (w + spec.fanOut + slopes);
    widest = Math.max(widest, spec.fanOut * ACTIVATIONS[spec.activation].widthFactor);
  }
  // Residual connections keep h_l for layers 1..depth-1 and one alpha dL/dh buffer.
  if (model.residual !== undefined && model.depth > 1) buffers += model.depth * maxRows * model.width * ACTIVATIONS[model.activation.name].widthFactor;
  const targets = shape.task === 'classification' ? 1 : shape.outputDim;
  // xb [maxRows, d], yb, dOut [maxRows, k], the probe batch [probe, d].
  buffers += maxRows * shape.inputDim + maxRows * targets + maxRows * shape.outputDim + probe * shape.inputDim;
  const slots = OPTIMIZERS[train.optimizer.name].slots.length;
  const metricElems = metrics.enabled ? weightElems + probe * widest : 0;
  const rowBytes = shape.task === 'classification' ? 8 * shape.inputDim + 4 : 8 * (shape.inputDim + shape.outputDim);
  const rowBytesModel = shape.task === 'classification' ? s * shape.inputDim : s * (shape.inputDim + shape.outputDim);
  const data = shape.rows * (2 * rowBytes + rowBytesModel) + shape.extraBytes;
  const parts = {
    weights: s * params,
    gradients: s * params,
    optimizer: s * slots * params,
    activations: s * buffers,
    metrics: s * metricElems,
    data,
  };
  const bytes = Object.values(parts).reduce((a, b) => a + b, 0);
  return { params, bytes, parts };
}

/** The most memory one cell may take on this machine, and why (for the message). */
export function memoryLimit(machine: number = totalmem()): { readonly bytes: number; readonly why: string } {
  return { bytes: Math.min(MEMORY_CAP_BYTES, Math.floor(MEMORY_SHARE * machine)), why: msg.memoryLimitWhy(MEMORY_CAP_BYTES, MEMORY_SHARE, machine) };
}

/**
 * The message refusing a cell whose estimate exceeds `limit`, or null when it fits. It names
 * the part of the config that is too large (`model` or `data`).
 */
export function memoryProblem(config: ResolvedConfig, shape: DataShape, limit = memoryLimit()): string | null {
  const est = estimateCellMemory(config, shape);
  if (est.bytes <= limit.bytes) return null;
  const dataHeavy = est.parts.data > est.bytes - est.parts.data;
  return msg.tooLargeForMemory({
    at: dataHeavy ? 'data' : 'model',
    bytes: est.bytes,
    params: est.params,
    dtype: config.model.dtype,
    parts: est.parts,
    limit: limit.bytes,
    why: limit.why,
    fields: dataHeavy
      ? msg.memoryDataFields(shape.rows, shape.inputDim)
      : msg.memoryModelFields(config.model.depth, config.model.width, config.model.dtype, shape.inputDim, shape.outputDim),
  });
}


/** Bytes a data set of `shape` holds once loaded: its rows (float64 features and targets, or int32 labels) and its int32 row indices. */
export function heldDataBytes(shape: DataShape): number {
  const row = shape.task === 'classification' ? 8 * shape.inputDim + 4 : 8 * (shape.inputDim + shape.outputDim);
  return shape.rows * (row + 4);
}

/** A distinct data set a run keeps: its kind and shape. */
export interface HeldData {
  readonly kind: string;
  readonly shape: DataShape;
}

/** What a whole run holds at its peak (see the module comment). */
export interface RunPeak {
  readonly bytes: number;
  /** Bytes of the distinct data sets kept at once, and how many there are. */
  readonly datasets: number;
  readonly datasetCount: number;
  /** Bytes of the cells training at once, and how many train at once. */
  readonly cells: number;
  readonly training: number;
}

/**
 * The peak of a run that keeps the data sets `held` and trains cells of estimates `cellBytes`
 * (each with the bytes of its own data set, `cellData`) on `workers` workers.
 */
export function runPeak(held: readonly HeldData[], cells: readonly { readonly bytes: number; readonly data: number }[], workers: number): RunPeak {
  const datasets = held.reduce((t, h) => t + heldDataBytes(h.shape), 0) + (held.some((h) => h.kind === 'mnist') ? MNIST_CACHE_BYTES : 0);
  const training = Math.max(0, Math.min(workers, cells.length));
  // One worker trains in this thread, on the data set it keeps anyway.
  const each = cells.map((c) => (training === 1 ? c.bytes - c.data : c.bytes)).sort((a, b) => b - a);
  const cellBytes = each.slice(0, training).reduce((t, b) => t + b, 0);
  return { bytes: datasets + cellBytes, datasets, datasetCount: held.length, cells: cellBytes, training };
}

/** The most memory a whole run may take on this machine, and why: 75% of it. */
export function runMemoryLimit(machine: number = totalmem()): { readonly bytes: number; readonly why: string } {
  return { bytes: Math.floor(MEMORY_SHARE * machine), why: msg.runMemoryLimitWhy(MEMORY_SHARE, machine) };
}

/** The message refusing a run whose peak exceeds `limit`, or null when it fits. */
export function runMemoryProblem(peak: RunPeak, workers: number, limit = runMemoryLimit()): string | null {
  if (peak.bytes <= limit.bytes) return null;
  return msg.runTooLargeForMemory({ ...peak, workers, limit: limit.bytes, why: limit.why });
}

type RunLimit = ReturnType<typeof runMemoryLimit>;

/**
 * The memory problem of a run as its configs imply it, before any data set is drawn, or null.
 * `key` names a cell's data set: cells of one key share it. Cells of `tensors` data (only the
 * file knows their size) are left to `loadedRunProblem`, and cells over the per-cell limit to
 * their own message (`memoryProblem`).
 */
export function impliedRunProblem(cells: readonly { readonly config: ResolvedConfig; readonly key: string }[], workers: number, limit: RunLimit, cellLimit: number): string | null {
  const held = new Map<string, HeldData>();
  const each: { bytes: number; data: number }[] = [];
  for (const { config, key } of cells) {
    const shape = dataShapeOf(config.data);
    if (shape === null) continue;
    const bytes = estimateCellMemory(config, shape).bytes;
    if (bytes > cellLimit) return null;
    held.set(key, { kind: config.data.kind, shape });
    each.push({ bytes, data: heldDataBytes(shape) });
  }
  return runMemoryProblem(runPeak([...held.values()], each, workers), workers, limit);
}

/** The memory problem of a run once its distinct data sets `datasets` are loaded, or null. */
export function loadedRunProblem(datasets: readonly Dataset[], cells: readonly { readonly config: ResolvedConfig; readonly data: Dataset }[], workers: number, limit: RunLimit): string | null {
  const held = datasets.map((d) => ({ kind: d.name, shape: loadedShape(d) }));
  const each = cells.map(({ config, data }) => {
    const shape = loadedShape(data);
    return { bytes: estimateCellMemory(config, shape).bytes, data: heldDataBytes(shape) };
  });
  return runMemoryProblem(runPeak(held, each, workers), workers, limit);
}
