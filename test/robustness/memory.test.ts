/**
 * A cell too large for memory is refused before anything is allocated: the estimate (what the
 * MLP, the optimizer, the recorder and the data set would take) against the limit
 * min(8 GiB, 75% of the machine), with both in the message; exit 2, nothing written.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { loadDataset } from '../../src/data/index.js';
import { ACTIVATION_NAMES } from '../../src/net/activations.js';
import { MLP } from '../../src/net/mlp.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { createRng } from '../../src/net/rng.js';
import { dataShapeOf, estimateCellMemory, loadedShape, memoryLimit, memoryProblem, MEMORY_CAP_BYTES } from '../../src/train/memory.js';
import { InputError, prepare } from '../../src/train/run.js';
import { gradflow, STACK_FRAME, tmp } from './helpers.js';

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
    const data = loadDataset(c.data as unknown as { kind: string }, createRng(0).fork('data'));
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

describe('gradflow run on a model that would not fit', () => {
  it('refuses 10^9 parameters (depth 100 x width 100000) with exit 2, the estimate and the limit, writing nothing', async () => {
    const dir = tmp();
    const file = join(dir, 'huge.json');
    writeFileSync(file, JSON.stringify({ name: 'huge', data: { kind: 'moons', samples: 200 }, model: { depth: 100, width: 100_000 }, train: { steps: 10 } }));
    const out = join(dir, 'results');
    const r = await gradflow(['run', file, '--out', out, '--workers', '1']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^gradflow: model: needs about [\d.]+ TiB of memory \(9\.90e\+11 parameters in float32: /m);
    expect(r.stderr).toMatch(/more than the limit of [\d.]+ GiB \(per cell: the smaller of 8\.0 GiB and 75% of this machine's [\d.]+ GiB\)/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a data set that would not fit before drawing a single row, naming the cell of a sweep', () => {
    const dir = tmp();
    const file = join(dir, 'big-data.json');
    writeFileSync(file, JSON.stringify({ name: 'big', data: { kind: 'spirals' }, model: { depth: 1, width: 4 }, sweep: { 'data.samples': [300, 2 ** 40] } }));
    let err: unknown;
    try {
      prepare([file], { out: join(dir, 'results'), set: [] });
    } catch (e) {
      err = e;
    }
    // 2^40 rows would take terabytes: had they been drawn, this test would not have returned.
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).messages).toEqual([expect.stringMatching(/^samples=1099511627776: data: needs about [\d.]+ TiB of memory .* expected a smaller data set \(data\.samples: 1099511627776 rows of 2 features/)]);
  });
});
