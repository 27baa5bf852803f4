/**
 * The memory estimate of one cell (src/train/memory.ts): what the MLP, the optimizer, the
 * trainer's buffers, the recorder and the data set take, against the limit per cell.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { loadDataset } from '../../src/data/index.js';
import { ACTIVATION_NAMES, ACTIVATIONS } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { MLP } from '../../src/net/mlp.js';
import { createRng } from '../../src/net/rng.js';
import type { FloatArray } from '../../src/net/tensor.js';
import { dataShapeOf, estimateCellMemory, loadedShape, memoryLimit, memoryProblem, MEMORY_CAP_BYTES } from '../../src/train/memory.js';
import { cellSizes } from '../../src/train/sizes.js';

const GiB = 2 ** 30;

const config = (over: Record<string, unknown> = {}) =>
  resolveConfig({
    name: 'mem',
    data: { kind: 'blobs', samples: 300, dims: 5, classes: 4 },
    model: { depth: 3, width: 7, activation: 'tanh' },
    train: { steps: 1, batchSize: 16 },
    metrics: { probe: 32 },
    ...over,
  });

describe('the memory estimate', () => {
  it.each(ACTIVATION_NAMES)('counts exactly the parameters the MLP allocates (%s)', (activation) => {
    const c = config({ model: { depth: 3, width: 7, activation } });
    const est = estimateCellMemory(c, { rows: 300, inputDim: 5, outputDim: 4, task: 'classification', extraBytes: 0 });
    const mlp = new MLP({ inputDim: 5, outputDim: 4, depth: 3, width: 7, activation, dtype: 'float32', kernels: tsKernels, maxRows: 512 });
    expect(est.params).toBe(mlp.paramCount);
    // float32: weights and gradients are 4 bytes a parameter; sgd keeps no state.
    expect(est.parts.weights).toBe(4 * mlp.paramCount);
    expect(est.parts.gradients).toBe(4 * mlp.paramCount);
    expect(est.parts.optimizer).toBe(0);
  });

  it('doubles with float64 and counts the optimizer state: momentum one copy, adam two', () => {
    const shape = { rows: 300, inputDim: 5, outputDim: 4, task: 'classification', extraBytes: 0 } as const;
    const f32 = estimateCellMemory(config(), shape);
    const f64 = estimateCellMemory(config({ model: { depth: 3, width: 7, activation: 'tanh', dtype: 'float64' } }), shape);
    expect(f64.parts.weights).toBe(2 * f32.parts.weights);
    expect(f64.parts.activations).toBe(2 * f32.parts.activations);
    expect(estimateCellMemory(config({ train: { steps: 1, batchSize: 16, optimizer: 'momentum' } }), shape).parts.optimizer).toBe(f32.parts.weights);
    expect(estimateCellMemory(config({ train: { steps: 1, batchSize: 16, optimizer: 'adam' } }), shape).parts.optimizer).toBe(2 * f32.parts.weights);
  });

  it('reads the data shape from the config before loading, and it bounds the loaded one', () => {
    const c = config();
    const implied = dataShapeOf(c.data)!;
    const data = loadDataset(c.data, createRng(0).fork('data'));
    const loaded = loadedShape(data);
    expect(implied).toMatchObject({ rows: 300, inputDim: 5, outputDim: 4, task: 'classification' });
    expect(loaded).toMatchObject({ rows: 300, inputDim: 5, outputDim: 4 });
    expect(estimateCellMemory(c, implied).bytes).toBeGreaterThanOrEqual(estimateCellMemory(c, loaded).bytes);
    expect(dataShapeOf(resolveConfig({ name: 't', data: { kind: 'tensors', path: 'x.safetensors' } }).data)).toBeNull();
  });

  it('limits a cell to the smaller of 8 GiB and 75% of the machine', () => {
    expect(memoryLimit(64 * GiB).bytes).toBe(MEMORY_CAP_BYTES);
    expect(MEMORY_CAP_BYTES).toBe(8 * GiB);
    expect(memoryLimit(4 * GiB).bytes).toBe(3 * GiB);
    expect(memoryLimit(4 * GiB).why).toBe("per cell: the smaller of 8.0 GiB and 75% of this machine's 4.0 GiB");
  });

  it('words the refusal with the estimate, its parts, the limit and what to shrink', () => {
    const c = config({ model: { depth: 100, width: 100_000, activation: 'relu' } });
    const text = memoryProblem(c, dataShapeOf(c.data)!, { bytes: 8 * GiB, why: 'per cell: test' });
    expect(text).toMatch(
      /^model: needs about 10\.\d TiB of memory \(9\.90e\+11 parameters in float32: weights 3\.6 TiB, gradients 3\.6 TiB, optimizer state 0 B, activation buffers [\d.]+ GiB, metrics 3\.6 TiB, data [\d.]+ KiB\), more than the limit of 8\.0 GiB \(per cell: test\); nothing was allocated; expected a smaller model\.depth \(100\) or model\.width \(100000\)$/,
    );
    expect(memoryProblem(config(), dataShapeOf(config().data)!)).toBeNull();
  });
});

describe('the estimate against what a cell allocates', () => {
  const shape = { rows: 300, inputDim: 5, outputDim: 4, task: 'classification', extraBytes: 0 } as const;

  /**
   * The model's buffers besides the parameters (z, a, dz, x, dx, each shared one once, and
   * PReLU's unused slope entries), the trainer's targets, dL/dout and probe, and the recorder's.
   */
  function allocated(activation: (typeof ACTIVATION_NAMES)[number], batchSize: number, probe: number): { buffers: number; metrics: number } {
    const c = config({ model: { depth: 3, width: 7, activation }, train: { steps: 1, batchSize }, metrics: { probe } });
    const sizes = cellSizes(c, shape.rows);
    const mlp = new MLP({ inputDim: 5, outputDim: 4, depth: 3, width: 7, activation, dtype: 'float32', kernels: tsKernels, maxRows: sizes.maxRows });
    const seen = new Set<FloatArray>();
    for (const l of mlp.layers) for (const b of [l.x, l.z, l.a, l.dz, l.dx]) if (b !== null) seen.add(b);
    let buffers = sizes.maxRows * (1 + 4) + sizes.probeRows * 5;
    for (const b of seen) buffers += b.length;
    // PReLU's slope buffers (value and grad) hold fanOut entries even for one slope a layer.
    for (const l of mlp.layers) if (l.learned !== null) buffers += 2 * (l.fanOut - l.learned.value.length);
    // The recorder: a copy of every W and f'(z) of the probe for the widest layer.
    const widest = Math.max(...mlp.layers.map((l) => l.fanOut * ACTIVATIONS[l.activation].widthFactor));
    const metrics = mlp.layers.reduce((n, l) => n + l.W.length, 0) + sizes.probeRows * widest;
    return { buffers, metrics };
  }

  it.each(ACTIVATION_NAMES)('counts the buffers of the model, the trainer and the recorder, the input batch twice (%s)', (activation) => {
    for (const [batchSize, probe] of [[16, 32], [290, 280]] as const) {
      const est = estimateCellMemory(config({ model: { depth: 3, width: 7, activation }, train: { steps: 1, batchSize }, metrics: { probe } }), shape);
      const got = allocated(activation, batchSize, probe);
      const maxRows = Math.max(batchSize, probe, 512);
      // The batch is gathered into the model's own input buffer, which the estimate counts twice.
      expect(est.parts.activations).toBe(4 * (got.buffers + maxRows * 5));
      expect(est.parts.metrics).toBe(4 * got.metrics);
    }
  });

  it('sizes the buffers for the largest of batch, probe and evaluation chunk', () => {
    const small = estimateCellMemory(config({ train: { steps: 1, batchSize: 16 } }), shape);
    const big = estimateCellMemory(config({ train: { steps: 1, batchSize: 2000 } }), { ...shape, rows: 3000 });
    expect(big.parts.activations).toBeGreaterThan(3 * small.parts.activations);
  });

  it('leaves the recorder out with metrics off', () => {
    expect(estimateCellMemory(config({ metrics: { enabled: false } }), shape).parts.metrics).toBe(0);
  });
});
