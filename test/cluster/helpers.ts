/**
 * Shared by the cluster suites: a tiny sweep (2 activations x 2 seeds, 30 steps, a second of
 * training in all) and the comparison of two experiment folders, byte for byte up to timing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const TINY = {
  name: 'tiny',
  seed: 1,
  data: { kind: 'moons', samples: 200 },
  model: { depth: 2, width: 8, activation: 'tanh' },
  train: { steps: 30, batchSize: 32, lr: 0.1 },
  metrics: { every: 10, probe: 32, histogramsEvery: 10 },
  sweep: { 'model.activation': ['tanh', 'relu'] },
  seeds: { count: 2 },
};

/** The environment without any scheduler's shard variables (a test may run inside a CI matrix). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const k of Object.keys(env)) if (/^(GRADFLOW_SHARD_|JOB_COMPLETION|SLURM_ARRAY_|SLURM_JOB)/.test(k)) delete env[k];
  return { ...env, ...extra };
}

/** summary.json text without the timing lines, which differ from run to run. */
export const untimed = (text: string): string => text.replace(/^\s*"(timeSec|stepsPerSec)": [^\n]*\n/gm, '');

/** Cell folders of an experiment folder (subfolders with a config.json). */
export const cellsOf = (expDir: string): string[] =>
  readdirSync(expDir).filter((f) => statSync(join(expDir, f)).isDirectory() && readdirSync(join(expDir, f)).includes('config.json')).sort();

/**
 * `b` holds the same experiment as `a`: the same cells, and in each the same bytes of config.json,
 * metrics.ndjson and histograms.ndjson, summary.json up to its timing lines, and the same
 * index.json and sweep-summary.json.
 */
export function expectSameExperiment(a: string, b: string, cells: number): void {
  expect(cellsOf(b)).toEqual(cellsOf(a));
  expect(cellsOf(a)).toHaveLength(cells);
  expect(readFileSync(join(b, 'index.json'), 'utf8')).toBe(readFileSync(join(a, 'index.json'), 'utf8'));
  expect(readFileSync(join(b, 'sweep-summary.json'), 'utf8')).toBe(readFileSync(join(a, 'sweep-summary.json'), 'utf8'));
  for (const c of cellsOf(a)) {
    for (const f of ['config.json', 'metrics.ndjson', 'histograms.ndjson']) {
      expect(readFileSync(join(b, c, f)).equals(readFileSync(join(a, c, f))), `${c}/${f}`).toBe(true);
    }
    const sa = readFileSync(join(a, c, 'summary.json'), 'utf8');
    expect(untimed(sa)).not.toBe(sa);
    expect(untimed(readFileSync(join(b, c, 'summary.json'), 'utf8')), `${c}/summary.json`).toBe(untimed(sa));
  }
}
