/**
 * The training loop for one cell: data -> initialised MLP -> steps of forward, loss, backward,
 * (record), update. It streams records to `metrics.ndjson` while it trains and writes
 * `summary.json` atomically at the end, whatever the end is (ok, diverged, interrupted).
 *
 * Step semantics (the contract the records rely on): the record of step s describes the network
 * with the weights after s updates — loss, gradients and activations measured before update s
 * is applied. Step 0 is therefore the initial network, and a run of N steps ends with a record
 * of step N (gradients of one more batch, no update), so `train.steps: 0` records the initial
 * network only.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ResolvedConfig } from '../config/schema.js';
import { lossFor, paramsOf } from '../config/schema.js';
import type { Dataset } from '../data/index.js';
import { loadDataset } from '../data/index.js';
import { Recorder } from '../metrics/recorder.js';
import { CONFIG_FILE, HISTOGRAMS_FILE, METRICS_FILE, SUMMARY_FILE, weightsFile } from '../results/layout.js';
import type { DivergenceInfo, HistogramRecord, MetricRecord, RunStatus, Summary } from '../results/types.js';
import { exportWeights } from '../results/weights.js';
import { makeDir, NdjsonWriter, writeJsonAtomic } from '../results/write.js';
import { ACTIVATIONS, type ActivationName } from '../net/activations.js';
import { getKernels } from '../net/kernels.js';
import { LOSSES, accuracy, type LossName } from '../net/losses.js';
import { MLP, initializeMLP } from '../net/mlp.js';
import { OPTIMIZERS, clipGradNorm, type OptimizerName } from '../net/optimizers.js';
import { createRng } from '../net/rng.js';
import { importWeights } from '../net/safetensors.js';
import { alloc, type DType, type FloatArray } from '../net/tensor.js';

/** Rows evaluated per forward pass when measuring accuracy on a whole split. */
export const EVAL_CHUNK = 512;
/** Longest stretch of training between two yields to the event loop. */
const YIELD_MS = 100;
/** Training accuracy is measured on at most this many training rows (a fixed prefix). */
const TRAIN_EVAL_ROWS = 4096;

export interface Progress {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly stepsPerSec: number;
}

export interface TrainOptions {
  /** The folder the cell writes into (created if missing). */
  readonly dir: string;
  /** Where relative paths in the config (tensors, initFrom) start. */
  readonly baseDir: string;
  /** Called now and then with the state of the loop (throttled by the caller). */
  readonly onProgress?: (p: Progress) => void;
  /** Polled between steps; true stops the run cleanly with status `interrupted`. */
  readonly shouldStop?: () => boolean;
  /** A data set already loaded for this config (the run command loads each once to check it). */
  readonly data?: Dataset;
}

/** Loads the cell's data set from its own seeded stream. */
export function loadCellData(config: ResolvedConfig, baseDir: string): Dataset {
  return loadDataset(config.data as unknown as { kind: string }, createRng(config.seed).fork('data'), { baseDir });
}

/** Number of optimizer steps a config asks for, given the training-set size. */
export function totalSteps(config: ResolvedConfig, nTrain: number): number {
  if (config.train.steps !== null && config.train.steps !== undefined) return config.train.steps;
  const perEpoch = Math.ceil(nTrain / config.train.batchSize);
  return (config.train.epochs ?? 0) * perEpoch;
}

function toDtype(src: Float64Array, dtype: DType): FloatArray {
  if (dtype === 'float64') return src;
  return Float32Array.from(src);
}

/** Copies rows `idx[from .. from+rows)` of x [n, d] into out [rows, d]. */
function gatherRows(x: FloatArray, d: number, idx: Int32Array, from: number, rows: number, out: FloatArray): void {
  for (let r = 0; r < rows; r++) {
    const src = idx[from + r] * d;
    out.set(x.subarray(src, src + d), r * d);
  }
}

function gatherLabels(y: Int32Array, idx: Int32Array, from: number, rows: number, out: Int32Array): void {
  for (let r = 0; r < rows; r++) out[r] = y[idx[from + r]];
}

/** Index of the first non-finite value of a, or -1. */
function firstNonFinite(a: FloatArray, n: number): number {
  for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Trains one cell and writes config.json, metrics.ndjson, histograms.ndjson and summary.json
 * into `opts.dir`. Returns the summary. Errors in the data or the weights file propagate (the
 * caller maps them to exit codes); a non-finite value ends the run with status `diverged`.
 */
export async function trainCell(config: ResolvedConfig, opts: TrainOptions): Promise<Summary> {
  const t0 = performance.now();
  const dir = opts.dir;
  makeDir(dir);
  writeJsonAtomic(join(dir, CONFIG_FILE), config);

  const root = createRng(config.seed);
  const data = opts.data ?? loadCellData(config, opts.baseDir);
  const { model, train, metrics } = config;
  const dtype = model.dtype as DType;
  const lossName: LossName = lossFor(config, data.task);
  const loss = LOSSES[lossName];
  const steps = totalSteps(config, data.nTrain);
  const batch = Math.min(train.batchSize, data.nTrain);
  const probeRows = Math.min(metrics.probe, data.nTrain);
  const maxRows = Math.max(batch, probeRows, EVAL_CHUNK);

  const activation = model.activation.name as ActivationName;
  const kernels = getKernels(model.kernel);
  const mlp = new MLP({
    inputDim: data.inputDim,
    outputDim: data.outputDim,
    depth: model.depth,
    width: model.width,
    activation,
    activationParams: paramsOf(model.activation),
    dtype,
    kernels,
    maxRows,
  });
  if (model.initFrom) {
    importWeights(mlp, resolve(opts.baseDir, model.initFrom));
  } else {
    initializeMLP(mlp, { init: model.init, biasInit: model.biasInit }, root.fork('init'));
  }
  const params = mlp.params();
  const optimizer = OPTIMIZERS[train.optimizer.name as OptimizerName].create(params, paramsOf(train.optimizer), dtype, kernels);

  const xTrain = toDtype(data.xTrain, dtype);
  const xTest = toDtype(data.xTest, dtype);
  const d = data.inputDim;
  const k = data.outputDim;
  const classification = data.task === 'classification';
  const yTrainF = classification ? null : toDtype(data.yTrain as Float64Array, dtype);
  const yTestF = classification ? null : toDtype(data.yTest as Float64Array, dtype);

  // Buffers reused by every step: the batch (gathered straight into the model's input buffer,
  // so forward does not copy it again), its targets and dL/dlogits.
  const xb = mlp.input;
  const yb = classification ? new Int32Array(maxRows) : alloc(dtype, maxRows * k);
  const dOut = alloc(dtype, maxRows * k);

  // Batch order from its own stream, so reshuffling never touches init or data.
  const order = Int32Array.from({ length: data.nTrain }, (_, i) => i);
  const shuffleRng = root.fork('shuffle');
  if (train.shuffle) shuffleRng.shuffle(order);
  let cursor = 0;
  let epoch = 0;

  // The probe batch: fixed training rows drawn once by the 'probe' stream.
  const probeIdx = root.fork('probe').shuffle(Int32Array.from({ length: data.nTrain }, (_, i) => i)).subarray(0, probeRows);
  const probeX = alloc(dtype, probeRows * d);
  gatherRows(xTrain, d, probeIdx, 0, probeRows, probeX);

  const metricsOut = new NdjsonWriter(join(dir, METRICS_FILE));
  const histOut = metrics.enabled && metrics.histogramsEvery !== null ? new NdjsonWriter(join(dir, HISTOGRAMS_FILE)) : null;
  const recorder = new Recorder({
    mlp,
    activation,
    activationParams: paramsOf(model.activation),
    init: model.init,
    biasInit: model.biasInit,
    depth: model.depth,
    width: model.width,
    probeX,
    probeRows,
    every: metrics.every,
    histogramsEvery: metrics.histogramsEvery,
    enabled: metrics.enabled,
    onRecord: (r: MetricRecord) => metricsOut.write(r),
    onHistogram: (h: HistogramRecord) => histOut?.write(h),
    weightsFromFile: model.initFrom !== null,
  });

  const evalEvery = train.evalEvery ?? Math.max(metrics.every, Math.ceil(steps / 20) || 1);
  const saveAt = new Set(train.saveWeights);
  const savedWeights: string[] = [];
  const saveWeightsAt = (step: number): void => {
    if (!saveAt.has(step)) return;
    const file = join(dir, weightsFile(step));
    exportWeights(mlp, file, { step: String(step), experiment: config.name });
    savedWeights.push(file);
  };

  /** Mean loss and accuracy over rows of a split, in chunks (uses the forward caches). */
  const evaluate = (x: FloatArray, yLabels: Int32Array | null, yVals: FloatArray | null, n: number): { loss: number; acc: number | null } => {
    let lossSum = 0;
    let correct = 0;
    for (let from = 0; from < n; from += EVAL_CHUNK) {
      const rows = Math.min(EVAL_CHUNK, n - from);
      const out = mlp.forward(x.subarray(from * d, (from + rows) * d), rows);
      if (yLabels) {
        const labels = yLabels.subarray(from, from + rows);
        lossSum += loss.forward(out, labels, rows, k) * rows;
        correct += accuracy(out, labels, rows, k) * rows;
      } else {
        lossSum += loss.forward(out, yVals!.subarray(from * k, (from + rows) * k), rows, k) * rows;
      }
    }
    return { loss: n > 0 ? lossSum / n : NaN, acc: yLabels && n > 0 ? correct / n : null };
  };

  let status: RunStatus = 'ok';
  let diverged: DivergenceInfo | undefined;
  let lastLoss = NaN;
  let lastEval: { trainAcc: number | null; testAcc: number | null; trainLoss: number | null; testLoss: number | null } = {
    trainAcc: null, testAcc: null, trainLoss: null, testLoss: null,
  };
  let step = 0;
  let done = 0;
  const tLoop = performance.now();
  recorder.start();

  const runEval = (s: number): void => {
    const nTr = Math.min(data.nTrain, TRAIN_EVAL_ROWS);
    const tr = evaluate(xTrain, classification ? (data.yTrain as Int32Array) : null, yTrainF, nTr);
    const te = data.nTest > 0 ? evaluate(xTest, classification ? (data.yTest as Int32Array) : null, yTestF, data.nTest) : null;
    lastEval = { trainAcc: tr.acc, trainLoss: tr.loss, testAcc: te?.acc ?? null, testLoss: te?.loss ?? null };
    recorder.eval(s, lastEval);
  };

  let lastYield = performance.now();
  try {
    for (step = 0; step <= steps; step++) {
      // Yield to the event loop now and then so signals, progress and stop requests get through;
      // where the loop yields never changes what it computes.
      if (performance.now() - lastYield > YIELD_MS) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = performance.now();
      }
      if (opts.shouldStop?.()) {
        status = 'interrupted';
        break;
      }
      // Next batch (epoch boundaries reshuffle).
      if (cursor + batch > data.nTrain) {
        cursor = 0;
        epoch++;
        if (train.shuffle) shuffleRng.shuffle(order);
      }
      gatherRows(xTrain, d, order, cursor, batch, xb);
      if (classification) gatherLabels(data.yTrain as Int32Array, order, cursor, batch, yb as Int32Array);
      else gatherRows(yTrainF!, k, order, cursor, batch, yb as FloatArray);
      cursor += batch;

      const out = mlp.forward(xb, batch);
      const L = loss.forward(out, yb, batch, k);
      lastLoss = L;
      if (!Number.isFinite(L)) {
        diverged = { step, layer: firstBadActivation(mlp), what: 'loss' };
        status = 'diverged';
        break;
      }
      loss.backward(out, yb, dOut, batch, k);
      mlp.backward(dOut, batch);

      const isEval = step % evalEvery === 0 || step === steps;
      const recorded = recorder.gradients(step, epoch, L);
      if (recorded.diverged) {
        diverged = recorded.diverged;
        status = 'diverged';
        break;
      }
      if (isEval) runEval(step);
      const flushed = recorder.flush(step);
      if (flushed.diverged) {
        diverged = flushed.diverged;
        status = 'diverged';
        break;
      }
      saveWeightsAt(step);
      if (step === steps) break;

      if (train.clipNorm !== null) clipGradNorm(params, train.clipNorm);
      const next = step + 1;
      recorder.beforeUpdate(step, recorder.isRecordStep(next) || next === steps || next % evalEvery === 0);
      optimizer.step(train.lr, train.weightDecay);
      recorder.updated(step);
      done = step + 1;
      if (opts.onProgress && (step & 31) === 0) {
        const secs = (performance.now() - tLoop) / 1000;
        opts.onProgress({ step: done, steps, loss: L, stepsPerSec: secs > 0 ? done / secs : 0 });
      }
    }
  } finally {
    metricsOut.close();
    histOut?.close();
  }

  const timeSec = (performance.now() - t0) / 1000;
  const loopSec = (performance.now() - tLoop) / 1000;
  const summary: Summary = {
    status,
    steps: done,
    epochs: epoch,
    finalLoss: Number.isFinite(lastLoss) ? lastLoss : null,
    trainAcc: lastEval.trainAcc,
    testAcc: lastEval.testAcc,
    trainLoss: lastEval.trainLoss,
    testLoss: lastEval.testLoss,
    timeSec: round(timeSec),
    stepsPerSec: round(loopSec > 0 ? done / loopSec : 0),
    params: mlp.paramCount,
    kernel: kernels.name,
    loss: lossName,
    task: data.task,
    ...(diverged ? { diverged } : {}),
    ...(savedWeights.length ? { savedWeights: savedWeights.map((f) => f.slice(dir.length + 1)) } : {}),
    ...recorder.summaryBlock(status),
  };
  writeJsonAtomic(join(dir, SUMMARY_FILE), summary);
  return summary;
}

/** First layer whose activation output holds a non-finite value, or null (the loss alone). */
function firstBadActivation(mlp: MLP): number | null {
  for (let i = 0; i < mlp.layers.length; i++) {
    const layer = mlp.layers[i];
    if (firstNonFinite(layer.a, layer.a.length) >= 0) return i;
  }
  return null;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
