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
 * below V8's largest typed array, and 75% leaves the operating system and the other cells
 * room. With `--workers N` up to N cells are in memory at once; each is checked on its own.
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
    extraBytes: MNIST_SIZE * (8 * MNIST_PIXELS + 4),
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

