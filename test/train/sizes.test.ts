import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { EVAL_CHUNK } from '../../src/train/evaluate.js';
import { cellSizes, totalSteps } from '../../src/train/sizes.js';

const config = (train: Record<string, unknown>, metrics: Record<string, unknown> = {}) =>
  resolveConfig({ name: 's', data: { kind: 'moons', samples: 100 }, train, metrics });

describe('the sizes of a cell', () => {
  it.each([
    [{ steps: 30 }, 80, 30],
    [{ steps: 0 }, 80, 0],
    [{ epochs: 3, batchSize: 32 }, 80, 9],
    [{ epochs: 3, batchSize: 40 }, 80, 6],
    [{ epochs: 0 }, 80, 0],
    [{}, 80, 1000],
  ])('takes train %j over %i training rows as %i steps', (train, nTrain, steps) => {
    expect(totalSteps(config(train), nTrain)).toBe(steps);
  });

  it('caps the batch and the probe at the training rows and holds at least an evaluation chunk', () => {
    expect(cellSizes(config({ steps: 5, batchSize: 64 }, { probe: 512 }), 80)).toEqual({ steps: 5, batch: 64, probeRows: 80, maxRows: EVAL_CHUNK });
    expect(cellSizes(config({ steps: 5, batchSize: 900 }, { probe: 700 }), 5000)).toEqual({ steps: 5, batch: 900, probeRows: 700, maxRows: 900 });
    expect(cellSizes(config({ steps: 5, batchSize: 64 }, { probe: 1000 }), 5000).maxRows).toBe(1000);
  });
});
