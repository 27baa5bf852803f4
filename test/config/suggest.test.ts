import { describe, expect, it } from 'vitest';
import { editDistance, nearest, nearestKey } from '../../src/config/suggest.js';

describe('editDistance', () => {
  it.each([
    ['relu', 'relu', 0],
    ['rleu', 'relu', 1],
    ['relu', 'reLU', 0],
    ['tanh', 'tahn', 1],
    ['gelu', 'selu', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['float16', 'float32', 2],
  ])('is %i between %s and %s', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('nearest', () => {
  const names = ['identity', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'selu', 'gelu', 'silu'];

  it.each([
    ['rleu', 'relu'],
    ['sigmod', 'sigmoid'],
    ['Tanh', 'tanh'],
    ['leaky', 'leaky_relu'],
    ['identiy', 'identity'],
  ])('suggests %s -> %s', (given, expected) => {
    expect(nearest(given, names)).toBe(expected);
  });

  it.each([['softmax'], ['xyz'], ['swishy'], ['relu']])('offers nothing for %s (too far, or already a name)', (given) => {
    expect(nearest(given, names)).toBeUndefined();
  });
});

describe('nearestKey', () => {
  const keys = ['steps', 'epochs', 'batchSize', 'optimizer', 'lr', 'loss', 'weightDecay', 'clipNorm'];

  it.each([
    ['learningRate', 'lr'],
    ['learning_rate', 'lr'],
    ['batch_size', 'batchSize'],
    ['BatchSize', 'batchSize'],
    ['weight-decay', 'weightDecay'],
    ['optimiser', 'optimizer'],
    ['step', 'steps'],
  ])('maps %s to %s', (given, expected) => {
    expect(nearestKey(given, keys)).toBe(expected);
  });

  it('offers nothing for an unrelated key', () => {
    expect(nearestKey('momentum', keys)).toBeUndefined();
  });
});
