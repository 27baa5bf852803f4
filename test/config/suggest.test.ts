import { describe, expect, it } from 'vitest';
import { nearestKey } from '../../src/config/suggest.js';

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
