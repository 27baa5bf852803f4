/**
 * Optimizer hyperparameters the maths refuses, through the real CLI: each exits 2 with one line
 * naming the field, the value and what is allowed, and writes nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradflow, tmp, writeConfig } from '../helpers/cli.js';

const config = (optimizer: Record<string, unknown>) => ({
  name: 'bad-optimizer',
  data: { kind: 'moons', samples: 60 },
  model: { depth: 1, width: 4 },
  train: { steps: 2, batchSize: 8, optimizer },
  metrics: { every: 1, probe: 8 },
});

describe('gradflow run refuses optimizer hyperparameters outside their specs', () => {
  it.each([
    [{ name: 'adam', beta1: 1 }, 'train.optimizer.beta1: 1 is not allowed: expected a number in [0, 1)'],
    [{ name: 'adam', beta2: 1 }, 'train.optimizer.beta2: 1 is not allowed: expected a number in [0, 1)'],
    [
      { name: 'momentum', momentum: 0, nesterov: true },
      'train.optimizer.nesterov: true is not allowed: expected false while momentum is 0 (Nesterov momentum needs a momentum above 0, as in PyTorch)',
    ],
  ])('%o: exits 2, says why, writes nothing', async (optimizer, message) => {
    const dir = tmp();
    const out = join(dir, 'results');
    const r = await gradflow(['run', writeConfig(dir, config(optimizer)), '--out', out, '--workers', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('runs Adam with beta1 just below 1', async () => {
    const dir = tmp();
    const out = join(dir, 'results');
    const r = await gradflow(['run', writeConfig(dir, config({ name: 'adam', beta1: 0.999 })), '--out', out, '--workers', '1', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'bad-optimizer', 'run', 'metrics.ndjson'))).toBe(true);
  });
});
