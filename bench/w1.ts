/**
 * Workload W1, the project's speed yardstick: an MLP 784 -> 20 hidden layers of 256 tanh -> 10,
 * batch 128, float32, one full SGD step (forward, softmax cross-entropy gradient of the
 * logits, backward, in-place update of every parameter). Reports the median time of a step and
 *
 *   GFLOP/s = 6 * batch * sum_layers(fanIn * fanOut) / time
 *
 * (2 flops a multiply-add, three products a layer: z = x W^T, dW = dz^T x, dx = dz W; the
 * first layer's dx is counted though the engine skips it). Also the GFLOP/s of one 1024^3
 * matrix product C = A B^T. Single-threaded; numbers are only comparable on the same machine.
 *
 *   npx tsx bench/w1.ts [--steps 30] [--kernel auto|ts|wasm]
 */
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { getKernels, type KernelKind } from '../src/net/kernels.js';
import { MLP, initializeMLP } from '../src/net/mlp.js';
import { createRng } from '../src/net/rng.js';
import type { Kernels } from '../src/net/tensor.js';

export const W1 = { inputDim: 784, outputDim: 10, depth: 20, width: 256, activation: 'tanh', batch: 128, dtype: 'float32' } as const;

export interface BenchW1Options {
  readonly kernels: Kernels;
  /** Timed steps (default 30), after `warmup` untimed ones (default 3). */
  readonly steps?: number;
  readonly warmup?: number;
  /** Also time a 1024^3 product (default true). */
  readonly matmul?: boolean;
}

export interface BenchW1Result {
  readonly kernel: Kernels['name'];
  readonly steps: number;
  /** Median wall time of one SGD step, in milliseconds. */
  readonly msPerStep: number;
  /** 6 * batch * sum(fanIn * fanOut): the flops of one step. */
  readonly flopsPerStep: number;
  /** flopsPerStep / median step time, in 1e9 per second. */
  readonly gflops: number;
  /** GFLOP/s of C[1024,1024] = A[1024,1024] B[1024,1024]^T (median of 3), or null when skipped. */
  readonly matmulGflops: number | null;
}

/** Median of timing samples (the mean of the middle two for an even count). */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/** Runs W1 with `kernels` and returns its timings; prints nothing. */
export function benchW1(opts: BenchW1Options): BenchW1Result {
  const steps = opts.steps ?? 30;
  const warmup = opts.warmup ?? 3;
  const { batch } = W1;
  const mlp = new MLP({ ...W1, kernels: opts.kernels, maxRows: batch });
  const root = createRng(0);
  initializeMLP(mlp, { init: { name: 'glorot_uniform' }, biasInit: { name: 'zeros' } }, root.fork('init'));
  const params = mlp.params();
  const flopsPerStep = 6 * batch * mlp.layers.reduce((s, l) => s + l.fanIn * l.fanOut, 0);

  const data = root.fork('data');
  const x = mlp.input;
  for (let i = 0; i < batch * W1.inputDim; i++) x[i] = data.next();
  const labels = Int32Array.from({ length: batch }, () => data.int(W1.outputDim));
  const [dOut] = opts.kernels.allocBuffers(W1.dtype, [batch * W1.outputDim]);
  const k = W1.outputDim;
  const lr = 0.01;

  const step = (): void => {
    const out = mlp.forward(x, batch);
    // Softmax cross-entropy, L = mean_r -log p[r, label]: dL/dlogit = (softmax - onehot) / batch.
    for (let r = 0; r < batch; r++) {
      const o = r * k;
      let max = -Infinity;
      for (let j = 0; j < k; j++) max = Math.max(max, out[o + j]);
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(out[o + j] - max);
      for (let j = 0; j < k; j++) dOut[o + j] = (Math.exp(out[o + j] - max) / sum - (j === labels[r] ? 1 : 0)) / batch;
    }
    mlp.backward(dOut, batch);
    for (const p of params) {
      const v = p.value;
      const g = p.grad;
      for (let i = 0; i < v.length; i++) v[i] -= lr * g[i];
    }
  };

  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  const msPerStep = median(times);
  return {
    kernel: opts.kernels.name,
    steps,
    msPerStep,
    flopsPerStep,
    gflops: flopsPerStep / (msPerStep * 1e6),
    matmulGflops: opts.matmul === false ? null : benchMatmul(opts.kernels, 1024),
  };
}

/** GFLOP/s of one n^3 product C = A B^T (gemmABt), median of 3 after one warm-up. */
export function benchMatmul(kernels: Kernels, n: number): number {
  const [A, B, C] = kernels.allocBuffers('float32', [n * n, n * n, n * n]);
  const rng = createRng('matmul');
  for (let i = 0; i < n * n; i++) {
    A[i] = rng.uniform(-1, 1);
    B[i] = rng.uniform(-1, 1);
  }
  kernels.gemmABt(A, B, null, C, n, n, n);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    kernels.gemmABt(A, B, null, C, n, n, n);
    times.push(performance.now() - t0);
  }
  return (2 * n * n * n) / (median(times) * 1e6);
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const kind = (flag('kernel') ?? 'auto') as KernelKind;
  const steps = Number(flag('steps') ?? 30);
  const r = benchW1({ kernels: getKernels(kind), steps });
  console.log(`W1 (784 -> 20x256 tanh -> 10, batch 128, float32, SGD), kernel ${r.kernel}, ${r.steps} steps:`);
  console.log(`  median ${r.msPerStep.toFixed(1)} ms/step, ${r.gflops.toFixed(2)} GFLOP/s (${(r.flopsPerStep / 1e9).toFixed(3)} GFLOP/step)`);
  if (r.matmulGflops !== null) console.log(`  1024^3 matmul: ${r.matmulGflops.toFixed(2)} GFLOP/s`);
}
