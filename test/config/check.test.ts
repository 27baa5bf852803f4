import { describe, expect, it } from 'vitest';
import { checkAgainstData, resolveConfig, type Config } from '../../src/config/index.js';

const config = (input: Config) => resolveConfig(input);

describe('checkAgainstData', () => {
  it('accepts a batch no larger than the training set', () => {
    expect(checkAgainstData(config({ name: 't', data: { kind: 'moons' }, train: { batchSize: 64 } }), 64)).toEqual([]);
  });

  it('rejects a batch larger than the training set, naming both sizes', () => {
    expect(checkAgainstData(config({ name: 't', data: { kind: 'moons' }, train: { batchSize: 65 } }), 64)).toEqual([
      'train.batchSize: 65 is not allowed: data kind "moons" has 64 training rows; expected an integer in [1, 64]',
    ]);
  });

  it('rejects a loss that does not fit the task of the data', () => {
    const c = config({ name: 't', data: { kind: 'tensors', path: 'x.safetensors' }, train: { loss: 'mse' } });
    expect(checkAgainstData(c, 100, 'classification')).toEqual([
      'train.loss: "mse" is not allowed: data kind "tensors" is a classification task; expected one of cross_entropy',
    ]);
    expect(checkAgainstData(c, 100, 'regression')).toEqual([]);
  });

  it('takes the default loss of the task for tensors data', () => {
    const c = config({ name: 't', data: { kind: 'tensors', path: 'x.safetensors' } });
    expect(checkAgainstData(c, 100, 'classification')).toEqual([]);
    expect(checkAgainstData(c, 100, 'regression')).toEqual([]);
  });
});
