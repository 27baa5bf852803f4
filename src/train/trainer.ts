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
 *
 * The loop emits the training events of src/metrics/events.ts to the recorder and does what
 * its answers ask (evaluate, stop); which steps are recorded or evaluated is the recorder's
 * schedule, not the loop's.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ResolvedConfig } from '../config/schema.js';
import { normOf, residualOf } from '../config/model.js';
import { lossFor, paramsOf } from '../config/resolved.js';
import type { Dataset } from '../data/index.js';
import { loadDataset } from '../data/index.js';
import type { EvalValues, EventResult } from '../metrics/events.js';
import { Recorder } from '../metrics/recorder.js';
import { SignalProbe } from '../metrics/signal-probe.js';
import { CONFIG_FILE, HISTOGRAMS_FILE, METRICS_FILE, SPECTRA_FILE, SUMMARY_FILE, weightsFile } from '../results/layout.js';
import type { DivergenceInfo, RunStatus, Summary } from '../results/types.js';
import { exportWeights } from '../results/weights.js';
import { makeDir, NdjsonWriter, writeJsonAtomic } from '../results/write.js';
import type { NamedParam } from '../net/dense.js';
import { getKernels } from '../net/kernels.js';
import { LOSSES, type LossDef, type LossName } from '../net/losses.js';
import { MLP, initializeMLP } from '../net/mlp.js';
import { OPTIMIZERS, clipGradNorm, type Optimizer } from '../net/optimizers.js';
import { createRng, type Rng } from '../net/rng.js';
import { importWeights } from '../net/safetensors.js';
import { alloc, type FloatArray, type Kernels } from '../net/tensor.js';
import { BatchStream, probeBatch, probeIndices, splitsOf, type Split } from './batches.js';
import { evaluate } from './evaluate.js';
import { cellSizes, type CellSizes } from './sizes.js';

export { totalSteps } from './sizes.js';

/** Longest stretch of training between two yields to the event loop. */
const YIELD_MS = 100;

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
  return loadDataset(config.data, createRng(config.seed).fork('data'), { baseDir });
}

/** Everything one cell trains with, built once before the first step. */
interface Cell {
  readonly config: ResolvedConfig;
  readonly dir: string;
  readonly task: Dataset['task'];
  readonly sizes: CellSizes;
  readonly lossName: LossName;
  readonly loss: LossDef;
  readonly kernels: Kernels;
  readonly mlp: MLP;
  readonly params: readonly NamedParam[];
  readonly optimizer: Optimizer;
  readonly train: Split;
  readonly test: Split;
  readonly batches: BatchStream;
  /** dL/dout [maxRows, outputDim]. */
  readonly dOut: FloatArray;
  readonly recorder: Recorder;
  readonly metricsOut: NdjsonWriter;
  readonly histOut: NdjsonWriter | null;
  /** spectra.ndjson, when metrics.jacobian is set. */
  readonly spectraOut: NdjsonWriter | null;
  /** The steps whose weights are saved (`train.saveWeights`), and the files so far, relative to `dir`. */
  readonly saveAt: ReadonlySet<number>;
  readonly saved: string[];
}

/** How the loop went. */
interface LoopState {
  status: RunStatus;
  diverged: DivergenceInfo | undefined;
  /** Loss of the latest batch (NaN before the first). */
  lastLoss: number;
  lastEval: EvalValues;
  /** Updates applied. */
  done: number;
  readonly startedAt: number;
}

const NO_EVAL: EvalValues = { trainAcc: null, testAcc: null, trainLoss: null, testLoss: null };

/**
 * Trains one cell and writes config.json, metrics.ndjson, histograms.ndjson and summary.json
 * into `opts.dir`. Returns the summary. Errors in the data or the weights file propagate (the
 * caller maps them to exit codes); a non-finite value ends the run with status `diverged`.
 */
export async function trainCell(config: ResolvedConfig, opts: TrainOptions): Promise<Summary> {
  const t0 = performance.now();
  makeDir(opts.dir);
  writeJsonAtomic(join(opts.dir, CONFIG_FILE), config);
  const data = opts.data ?? loadCellData(config, opts.baseDir);
  const cell = setUpCell(config, data, opts);
  let state: LoopState;
  try {
    state = await trainLoop(cell, opts);
  } finally {
    cell.metricsOut.close();
    cell.histOut?.close();
    cell.spectraOut?.close();
  }
  const summary = summarize(cell, state, t0);
  writeJsonAtomic(join(opts.dir, SUMMARY_FILE), summary);
  return summary;
}

/** The model (initialised or imported), its optimizer, the data splits, the recorder and its files. */
function setUpCell(config: ResolvedConfig, data: Dataset, opts: TrainOptions): Cell {
  const { model, train, metrics } = config;
  const root = createRng(config.seed);
  const sizes = cellSizes(config, data.nTrain);
  const lossName = lossFor(config, data.task);
  const kernels = getKernels(model.kernel, model.threads);
  const mlp = buildModel(config, data, kernels, sizes.maxRows, opts.baseDir, root);
  const params = mlp.params();
  const optimizer = OPTIMIZERS[train.optimizer.name].create(params, paramsOf(train.optimizer), model.dtype, kernels, mlp.optimizerPool);
  const { train: trainSplit, test } = splitsOf(data, model.dtype);
  const batches = new BatchStream(trainSplit, sizes.batch, mlp.input, sizes.maxRows, train.shuffle ? root.fork('shuffle') : null, model.dtype);
  const probeX = probeBatch(trainSplit, sizes.probeRows, root.fork('probe'), model.dtype);
  const metricsOut = new NdjsonWriter(join(opts.dir, METRICS_FILE));
  const histOut = metrics.enabled && metrics.histogramsEvery !== null ? new NdjsonWriter(join(opts.dir, HISTOGRAMS_FILE)) : null;
  const jacobian = metrics.jacobian ?? null;
  const spectraOut = jacobian !== null ? new NdjsonWriter(join(opts.dir, SPECTRA_FILE)) : null;
  const signal = new SignalProbe({
    mlp, probeX, probeRows: sizes.probeRows, probeIds: probeIndices(trainSplit.n, sizes.probeRows, root.fork('probe')), jacobian,
    onSpectrum: (line) => spectraOut?.write(line),
  });
  const recorder = new Recorder({
    mlp,
    activation: model.activation.name,
    activationParams: paramsOf(model.activation),
    init: model.init,
    biasInit: model.biasInit,
    depth: model.depth,
    width: model.width,
    probeX,
    probeRows: sizes.probeRows,
    batchRows: sizes.batch,
    every: metrics.every,
    histogramsEvery: metrics.histogramsEvery,
    steps: sizes.steps,
    evalEvery: train.evalEvery,
    enabled: metrics.enabled,
    onRecord: (r) => metricsOut.write(r),
    onHistogram: (h) => histOut?.write(h),
    weightsFromFile: model.initFrom !== null,
    signal,
  });
  return {
    config, dir: opts.dir, task: data.task, sizes, lossName, loss: LOSSES[lossName], kernels, mlp, params, optimizer,
    train: trainSplit, test, batches, dOut: alloc(model.dtype, sizes.maxRows * data.outputDim), recorder, metricsOut, histOut, spectraOut,
    saveAt: new Set(train.saveWeights), saved: [],
  };
}

/** The MLP of the config, with weights drawn by the `init` stream or read from `model.initFrom`. */
function buildModel(config: ResolvedConfig, data: Dataset, kernels: Kernels, maxRows: number, baseDir: string, root: Rng): MLP {
  const { model } = config;
  const mlp = new MLP({
    inputDim: data.inputDim,
    outputDim: data.outputDim,
    depth: model.depth,
    width: model.width,
    activation: model.activation.name,
    activationParams: paramsOf(model.activation),
    dtype: model.dtype,
    kernels,
    maxRows,
    norm: normOf(model),
    residual: residualOf(model),
    // The optimizer's state lives in the model's memory, where the kernel can update it.
    optimizerSlots: OPTIMIZERS[config.train.optimizer.name].slots.length,
  });
  if (model.initFrom !== null) importWeights(mlp, resolve(baseDir, model.initFrom));
  else initializeMLP(mlp, { init: model.init, biasInit: model.biasInit }, root.fork('init'));
  return mlp;
}

/** Steps 0..N until the end, a divergence or a stop request; emits start and end around them. */
async function trainLoop(c: Cell, opts: TrainOptions): Promise<LoopState> {
  const st: LoopState = { status: 'ok', diverged: undefined, lastLoss: NaN, lastEval: NO_EVAL, done: 0, startedAt: performance.now() };
  const steps = c.sizes.steps;
  c.recorder.handle({ type: 'start' });
  let lastYield = performance.now();
  for (let step = 0; step <= steps; step++) {
    // Yield to the event loop now and then so signals, progress and stop requests get through;
    // where the loop yields never changes what it computes.
    if (performance.now() - lastYield > YIELD_MS) {
      await new Promise<void>((r) => setImmediate(r));
      lastYield = performance.now();
    }
    if (opts.shouldStop?.()) {
      st.status = 'interrupted';
      break;
    }
    if (!trainStep(c, step, st)) break;
    if (opts.onProgress && (step & 31) === 0) {
      const secs = (performance.now() - st.startedAt) / 1000;
      opts.onProgress({ step: st.done, steps, loss: st.lastLoss, stepsPerSec: secs > 0 ? st.done / secs : 0 });
    }
  }
  c.recorder.handle({ type: 'end', status: st.status });
  return st;
}

/** Marks the run diverged when the recorder's answer says so; true: stop. */
function diverged(st: LoopState, r: EventResult): boolean {
  if (r.diverged === undefined) return false;
  st.status = 'diverged';
  st.diverged = r.diverged;
  return true;
}

/**
 * Step s: the next batch, forward, loss, backward, the record, the weights to save and, before
 * the last step, the update. Returns false when the loop ends here.
 */
function trainStep(c: Cell, step: number, st: LoopState): boolean {
  const { mlp, recorder, batches, loss } = c;
  const rows = c.sizes.batch;
  const k = mlp.outputDim;
  batches.next();
  const y = batches.targets;
  const out = mlp.forward(mlp.input, rows);
  const L = loss.forward(out, y, rows, k);
  st.lastLoss = L;
  if (diverged(st, recorder.handle({ type: 'loss', step, loss: L }))) return false;
  loss.backward(out, y, c.dOut, rows, k);
  mlp.backward(c.dOut, rows);
  const asked = recorder.handle({ type: 'gradients', step, epoch: batches.epoch, loss: L });
  if (diverged(st, asked)) return false;
  if (asked.evaluate) {
    st.lastEval = evaluate(mlp, loss, c.train, c.test);
    recorder.handle({ type: 'eval', step, ...st.lastEval });
  }
  if (diverged(st, recorder.handle({ type: 'flush', step }))) return false;
  saveWeightsAt(c, step);
  if (step === c.sizes.steps) return false;
  const { train } = c.config;
  if (train.clipNorm !== null) clipGradNorm(c.params, train.clipNorm);
  if (diverged(st, recorder.handle({ type: 'beforeUpdate', step }))) return false;
  c.optimizer.step(train.lr, train.weightDecay);
  if (diverged(st, recorder.handle({ type: 'updated', step }))) return false;
  st.done = step + 1;
  return true;
}

/** Saves the weights as safetensors when `train.saveWeights` lists the step. */
function saveWeightsAt(c: Cell, step: number): void {
  if (!c.saveAt.has(step)) return;
  const file = weightsFile(step);
  exportWeights(c.mlp, join(c.dir, file), { step: String(step), experiment: c.config.name });
  c.saved.push(file);
}

/** summary.json: how the run ended, the last evaluation, timings, and the recorder's block. */
function summarize(c: Cell, st: LoopState, t0: number): Summary {
  const timeSec = (performance.now() - t0) / 1000;
  const loopSec = (performance.now() - st.startedAt) / 1000;
  return {
    status: st.status,
    steps: st.done,
    epochs: c.batches.epoch,
    finalLoss: Number.isFinite(st.lastLoss) ? st.lastLoss : null,
    trainAcc: st.lastEval.trainAcc,
    testAcc: st.lastEval.testAcc,
    trainLoss: st.lastEval.trainLoss,
    testLoss: st.lastEval.testLoss,
    timeSec: round(timeSec),
    stepsPerSec: round(loopSec > 0 ? st.done / loopSec : 0),
    params: c.mlp.paramCount,
    kernel: c.kernels.name,
    loss: c.lossName,
    task: c.task,
    ...(st.diverged ? { diverged: st.diverged } : {}),
    ...(c.saved.length ? { savedWeights: c.saved } : {}),
    ...c.recorder.summary(),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
