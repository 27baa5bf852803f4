/**
 * Kernel benchmark: the 1024^3 matrix product and the W1 / W2 training steps (forward,
 * backward, SGD update; float32, single thread) for gradflow's `ts` and `wasm` kernels and for
 * TensorFlow.js 4.22's WebAssembly backend (XNNPACK, SIMD, no threads) with the backward pass
 * written by hand from matMul calls, the way gradflow's dense layer computes it.
 *
 *   npx tsx bench/kernels.ts [--rounds 7] [--only matmul,W1,W2] [--no-tfjs]
 *
 * Rounds are interleaved (every contender runs once per round, in turn) so a drift of the
 * machine's speed hits all of them alike; a sample is the mean over >= 200 ms of repetitions
 * and the table reports the median over rounds, by wall clock (the official figure) and by
 * the process's CPU time (which leaves out waiting for a core on a shared machine).
 * FLOPs: a step is 6 * batch * sum(fanIn * fanOut) (2 for z = x W^T, 2 for dW, 2 for dx; the
 * first layer's dx is not needed and not computed, but is counted, as everyone counts it);
 * the matrix product is 2 n^3.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ACTIVATIONS, type ActivationName } from '../src/net/activations.js';
import { createWasmKernels, type WasmKernels } from '../src/net/kernels-wasm.js';
import { tsKernels } from '../src/net/kernels-ts.js';
import { LOSSES } from '../src/net/losses.js';
import { MLP, initializeMLP } from '../src/net/mlp.js';
import { normSpec } from '../src/net/norm.js';
import { OPTIMIZERS } from '../src/net/optimizers.js';
import { createRng } from '../src/net/rng.js';
import type { Kernels } from '../src/net/tensor.js';
import { W1, median } from './w1.js';

/** A training-step workload: an MLP inputDim -> depth x width -> outputDim, cross-entropy, SGD. */
export interface Workload {
  readonly name: string;
  readonly inputDim: number;
  readonly depth: number;
  readonly width: number;
  readonly outputDim: number;
  readonly batch: number;
  readonly activation: ActivationName;
  /** A norm between each hidden layer's product and its activation (default none). */
  readonly norm?: 'batch' | 'layer';
}

/**
 * W1 is bench/w1.ts's yardstick (784 -> 20 x 256 tanh -> 10, batch 128). W2 is a wide
 * network, 784 -> 8 x 1024 tanh -> 10, batch 128: the same step with 4x wider products.
 * W1-bn and W1-ln are W1 with batch norm or layer norm (PyTorch's defaults: eps 1e-5,
 * momentum 0.1, affine) before every hidden activation; their FLOPs count the products only.
 */
const W1_BASE: Workload = { name: 'W1', inputDim: W1.inputDim, depth: W1.depth, width: W1.width, outputDim: W1.outputDim, batch: W1.batch, activation: W1.activation };
export const WORKLOADS: Readonly<Record<'W1' | 'W2' | 'W1-bn' | 'W1-ln', Workload>> = {
  W1: W1_BASE,
  W2: { name: 'W2', inputDim: 784, depth: 8, width: 1024, outputDim: 10, batch: 128, activation: 'tanh' },
  'W1-bn': { ...W1_BASE, name: 'W1-bn', norm: 'batch' },
  'W1-ln': { ...W1_BASE, name: 'W1-ln', norm: 'layer' },
};

/** (fanIn, fanOut) of every layer, output layer last. */
export function layerShapes(w: Workload): [number, number][] {
  const shapes: [number, number][] = [];
  for (let i = 0; i <= w.depth; i++) {
    shapes.push([i === 0 ? w.inputDim : w.width, i < w.depth ? w.width : w.outputDim]);
  }
  return shapes;
}

/** 6 * batch * sum(fanIn * fanOut). */
export function stepFlops(w: Workload): number {
  return 6 * w.batch * layerShapes(w).reduce((s, [i, o]) => s + i * o, 0);
}

/** One contender on one task: `run` does one step (or one product); `close` frees it. */
export interface Runner {
  readonly contender: string;
  run(): void;
  close?(): void;
}

const LR = 0.01;

function fillBatch(x: Float32Array, labels: Int32Array, classes: number, seed: string): void {
  const rng = createRng(seed);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(classes);
}

/**
 * gradflow's MLP with the given kernels, as the trainer drives it: forward, cross-entropy
 * gradient, backward, sgd step (whatever elementwise path dense.ts and the optimizer take).
 */
export function gradflowStep(kernels: Kernels, w: Workload, label: string): Runner {
  const mlp = new MLP({
    inputDim: w.inputDim, outputDim: w.outputDim, depth: w.depth, width: w.width,
    activation: w.activation, dtype: 'float32', kernels, maxRows: w.batch, norm: w.norm === undefined ? null : normSpec(w.norm),
  });
  initializeMLP(mlp, { init: { name: 'glorot_uniform' }, biasInit: { name: 'zeros' } }, createRng(0).fork('init'));
  const labels = new Int32Array(w.batch);
  fillBatch(mlp.input as Float32Array, labels, w.outputDim, 'batch');
  const dOut = new Float32Array(w.batch * w.outputDim);
  const opt = OPTIMIZERS.sgd.create(mlp.params(), {}, 'float32', kernels);
  const loss = LOSSES.cross_entropy;
  return {
    contender: label,
    run() {
      const out = mlp.forward(mlp.input, w.batch);
      loss.backward(out, labels, dOut, w.batch, w.outputDim);
      mlp.backward(dOut, w.batch);
      opt.step(LR, 0);
    },
  };
}

/** Runs one pass of a step; bench/passes.ts times each by its name. */
export type PassRunner = (pass: string, call: () => unknown) => void;

const runPass: PassRunner = (_pass, call) => void call();

/**
 * The same step on the MLP's own buffers, with every elementwise pass on the wasm kernel's
 * fused paths (activation forward/backward, sgd update): what dense.ts and the optimizer do
 * once they call them. Only the softmax gradient of the [batch, 10] logits stays in JS. Each
 * pass goes through `pass` (default: just run it).
 */
export function gradflowFusedStep(kernels: WasmKernels, w: Workload, pass: PassRunner = runPass): Runner {
  const mlp = new MLP({
    inputDim: w.inputDim, outputDim: w.outputDim, depth: w.depth, width: w.width,
    activation: w.activation, dtype: 'float32', kernels, maxRows: w.batch,
  });
  initializeMLP(mlp, { init: { name: 'glorot_uniform' }, biasInit: { name: 'zeros' } }, createRng(0).fork('init'));
  const labels = new Int32Array(w.batch);
  fillBatch(mlp.input as Float32Array, labels, w.outputDim, 'batch');
  const layers = mlp.layers;
  const L = layers.length - 1;
  const rows = w.batch;
  const act = mlp.activation;
  const p = mlp.activationParams;
  const def = ACTIVATIONS[act];
  return {
    contender: 'gradflow wasm+fused',
    run() {
      for (const l of layers) {
        pass(l.index === 0 ? 'z = x W^T, layer 0' : 'z = x W^T', () => kernels.gemmABt(l.x, l.W, l.b, l.z, rows, l.fanOut, l.fanIn));
        if (l.index < L) {
          pass(`${act} forward`, () => kernels.activationForward(act, p, l.z, l.a, rows * l.fanOut) || def.forward(l.z, l.a, rows, l.fanOut, p, null));
        }
      }
      const out = layers[L];
      // The output layer is the identity: its logits are z, and dL/dz = dL/dlogits.
      pass('loss gradient', () => LOSSES.cross_entropy.backward(out.z, labels, out.dz, rows, w.outputDim));
      for (let i = L; i >= 0; i--) {
        const l = layers[i];
        if (i < L) {
          const da = layers[i + 1].dx!;
          pass(`${act} derivative`, () => kernels.activationBackward(act, p, l.z, l.a, da, l.dz, rows * l.fanOut) || def.backward(l.z, l.a, da, l.dz, rows, l.fanOut, p, null));
        }
        pass(i === 0 ? 'dW = dz^T x, layer 0' : 'dW = dz^T x', () => kernels.gemmAtB(l.dz, l.x, l.dW, l.fanOut, l.fanIn, rows, l.db));
        if (l.dx !== null) pass('dx = dz W', () => kernels.gemmAB(l.dz, l.W, l.dx!, rows, l.fanIn, l.fanOut));
      }
      pass('sgd update', () => {
        for (const l of layers) {
          kernels.sgdStep(l.W, l.dW, LR, 0);
          kernels.sgdStep(l.b, l.db, LR, 0);
        }
      });
    },
  };
}

/** C = A B^T for n x n float32 matrices through a kernel's gemmABt, as bench/w1.ts times it. */
export function gradflowMatmul(kernels: Kernels, n: number, label: string): Runner {
  const [A, B, C] = kernels.allocBuffers('float32', [n * n, n * n, n * n]);
  const rng = createRng('matmul');
  for (let i = 0; i < n * n; i++) {
    A[i] = rng.uniform(-1, 1);
    B[i] = rng.uniform(-1, 1);
  }
  return { contender: label, run: () => kernels.gemmABt(A, B, null, C, n, n, n) };
}

// TensorFlow.js is a devDependency loaded only when the bench runs; its types are those of
// @tensorflow/tfjs-core.
type Tf = typeof import('@tensorflow/tfjs-core');
type Tensor = import('@tensorflow/tfjs-core').Tensor;

/** TensorFlow.js with the WASM backend, single-threaded, binaries read from node_modules. */
export async function loadTfjsWasm(): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  const wasmBackend = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  wasmBackend.setWasmPaths(`${dir}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js: the wasm backend did not initialise');
  await tf.ready();
  return tf;
}

/**
 * The step in TensorFlow.js ops, layer by layer as gradflow computes it: z = h W^T + b,
 * a = tanh z; dL/dlogits = (softmax - onehot) / batch; dz = da (1 - a^2), dW = dz^T h,
 * db = sum dz, da = dz W; W -= lr dW.
 *
 * Weights are kept transposed (Wt = W^T: [fanIn, fanOut], TF's own Dense layout) and every
 * product is a plain matMul after explicit tf.transpose calls: in tfjs-backend-wasm 4.22 a
 * matMul with transposeA or transposeB set leaves XNNPACK for a generic loop and measured
 * 0.4-2 GFLOP/s on these shapes, against 20-26 GFLOP/s for the untransposed product.
 */
export function tfjsStep(tf: Tf, w: Workload): Runner {
  const shapes = layerShapes(w);
  const rng = createRng(0).fork('tfjs');
  let Wts: Tensor[] = shapes.map(([i, o]) => {
    const s = Math.sqrt(6 / (i + o));
    return tf.tensor2d(Float32Array.from({ length: i * o }, () => rng.uniform(-s, s)), [i, o]);
  });
  let bs: Tensor[] = shapes.map(([, o]) => tf.zeros([o]));
  const x0 = new Float32Array(w.batch * w.inputDim);
  const labels = new Int32Array(w.batch);
  fillBatch(x0, labels, w.outputDim, 'batch');
  const x = tf.tensor2d(x0, [w.batch, w.inputDim]);
  const onehot = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), w.outputDim), 'float32');
  const L = shapes.length - 1;
  return {
    contender: 'tfjs wasm',
    run() {
      const [nW, nb] = tf.tidy(() => {
        const hs: Tensor[] = [x];
        for (let l = 0; l <= L; l++) {
          const z = tf.add(tf.matMul(hs[l], Wts[l]), bs[l]);
          hs.push(l < L ? tf.tanh(z) : z);
        }
        let dz = tf.div(tf.sub(tf.softmax(hs[L + 1]), onehot), w.batch);
        const dWts: Tensor[] = [];
        const dbs: Tensor[] = [];
        for (let l = L; l >= 0; l--) {
          dWts[l] = tf.matMul(tf.transpose(hs[l]), dz);
          dbs[l] = tf.sum(dz, 0);
          if (l > 0) {
            const da = tf.matMul(dz, tf.transpose(Wts[l]));
            const a = hs[l];
            dz = tf.mul(da, tf.sub(1, tf.mul(a, a)));
          }
        }
        return [Wts.map((Wt, l) => tf.sub(Wt, tf.mul(LR, dWts[l]))), bs.map((b, l) => tf.sub(b, tf.mul(LR, dbs[l])))];
      });
      for (const t of [...Wts, ...bs]) t.dispose();
      Wts = nW;
      bs = nb;
      // The backend computes synchronously; reading one weight makes sure the step is done.
      Wts[0].dataSync();
    },
    close() {
      for (const t of [...Wts, ...bs, x, onehot]) t.dispose();
    },
  };
}

/** C = A B in TensorFlow.js (its fast, untransposed path; see tfjsStep). */
export function tfjsMatmul(tf: Tf, n: number): Runner {
  const rng = createRng('matmul');
  const A = tf.tensor2d(Float32Array.from({ length: n * n }, () => rng.uniform(-1, 1)), [n, n]);
  const B = tf.tensor2d(Float32Array.from({ length: n * n }, () => rng.uniform(-1, 1)), [n, n]);
  return {
    contender: 'tfjs wasm',
    run() {
      const C = tf.matMul(A, B);
      C.dataSync();
      C.dispose();
    },
    close() {
      A.dispose();
      B.dispose();
    },
  };
}

export interface BenchRow {
  readonly task: string;
  readonly contender: string;
  /** Median wall-clock milliseconds per step (or per product): the official number. */
  readonly ms: number;
  readonly gflops: number;
  /**
   * Median CPU milliseconds per step (user + system time of this process): on a machine shared
   * with other jobs it leaves out the time the process waited for a core.
   */
  readonly cpuMs: number;
  readonly cpuGflops: number;
  /** All wall-clock samples, ms. */
  readonly samples: readonly number[];
}

export interface BenchOptions {
  readonly rounds?: number;
  readonly tasks?: readonly string[];
  readonly tfjs?: boolean;
  /** Matrix size for the matmul task (default 1024). */
  readonly n?: number;
  readonly log?: (line: string) => void;
}

/** User + system CPU time of this process, ms. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};


/**
 * Runs every task with every contender: a warm-up (which also lets V8 tier WASM and JS up to
 * its optimising compilers), then `rounds` interleaved rounds; inside a round each contender
 * repeats its step until it has run at least 200 ms and the sample is the mean of those.
 */
export async function runKernelBench(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const rounds = opts.rounds ?? 7;
  const tasks = opts.tasks ?? ['matmul', 'W1', 'W2'];
  const n = opts.n ?? 1024;
  const log = opts.log ?? (() => {});
  const wasm = createWasmKernels();
  if (wasm === null) throw new Error('bench: build/gemm.wasm is missing; run `npm run build:wasm`');
  const tf = opts.tfjs === false ? null : await loadTfjsWasm();
  const rows: BenchRow[] = [];
  for (const task of tasks) {
    let runners: Runner[];
    let flops: number;
    if (task === 'matmul') {
      runners = [gradflowMatmul(tsKernels, n, 'gradflow ts'), gradflowMatmul(wasm, n, 'gradflow wasm')];
      if (tf) runners.push(tfjsMatmul(tf, n));
      flops = 2 * n ** 3;
    } else if (task === 'W1' || task === 'W2') {
      const w = WORKLOADS[task];
      runners = [gradflowStep(tsKernels, w, 'gradflow ts'), gradflowStep(wasm, w, 'gradflow wasm'), gradflowFusedStep(wasm, w)];
      if (tf) runners.push(tfjsStep(tf, w));
      flops = stepFlops(w);
    } else {
      throw new Error(`bench: unknown task "${task}" (matmul, W1, W2)`);
    }
    const samples = runners.map(() => [] as number[]);
    const cpuSamples = runners.map(() => [] as number[]);
    for (const r of runners) for (let i = 0; i < 3; i++) r.run();
    for (let round = 0; round < rounds; round++) {
      runners.forEach((r, i) => {
        let reps = 0;
        const c0 = cpuMs();
        const t0 = performance.now();
        let t = t0;
        while (reps === 0 || t - t0 < 200) {
          r.run();
          reps++;
          t = performance.now();
        }
        samples[i].push((t - t0) / reps);
        cpuSamples[i].push((cpuMs() - c0) / reps);
      });
      log(`${task} round ${round + 1}/${rounds}: ${runners.map((r, i) => `${r.contender} ${samples[i][round].toFixed(2)} ms`).join(', ')}`);
    }
    runners.forEach((r, i) => {
      const ms = median(samples[i]);
      const cpu = median(cpuSamples[i]);
      rows.push({
        task: task === 'matmul' ? `matmul ${n}^3` : task, contender: r.contender,
        ms, gflops: flops / ms / 1e6, cpuMs: cpu, cpuGflops: flops / cpu / 1e6, samples: samples[i],
      });
      r.close?.();
    });
  }
  return rows;
}

/**
 * A Markdown table: task, contender, wall ms and GFLOP/s (medians), the ratios of the wall
 * GFLOP/s to gradflow ts and to tfjs, and the GFLOP/s by CPU time.
 */
export function formatBenchTable(rows: readonly BenchRow[]): string {
  const out = [
    '| task | contender | ms/step | GFLOP/s | x ts | x tfjs | GFLOP/s by CPU time |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const ts = rows.find((q) => q.task === r.task && q.contender === 'gradflow ts');
    const tf = rows.find((q) => q.task === r.task && q.contender === 'tfjs wasm');
    const ratio = (q: BenchRow | undefined) => (q === undefined ? '-' : (r.gflops / q.gflops).toFixed(2));
    out.push(
      `| ${r.task} | ${r.contender} | ${r.ms.toFixed(2)} | ${r.gflops.toFixed(1)} | ${ratio(ts)} | ${ratio(tf)} | ${r.cpuGflops.toFixed(1)} |`,
    );
  }
  return out.join('\n');
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: { rounds?: number; tasks?: string[]; tfjs?: boolean; n?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') opts.rounds = Number(argv[++i]);
    else if (a === '--only') opts.tasks = argv[++i].split(',');
    else if (a === '--no-tfjs') opts.tfjs = false;
    else if (a === '--n') opts.n = Number(argv[++i]);
    else throw new Error(`bench/kernels.ts: unknown argument ${a}`);
  }
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const opts = parseArgs(process.argv.slice(2));
  const rows = await runKernelBench({ ...opts, log: (s) => console.error(s) });
  console.log(formatBenchTable(rows));
}
