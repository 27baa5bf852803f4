/**
 * Every experiment in experiments/configs/ trains: each cell of each config, with the steps
 * capped at SMOKE_STEPS and the data cut to SMOKE_ROWS rows where the data kind allows, through
 * the same `--set` overrides a user would pass. Validation alone is test/config/schema.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCells, loadConfig } from '../../src/config/index.js';
import { DATASETS } from '../../src/data/index.js';
import type { MetricRecord } from '../../src/metrics/types.js';
import { trainCell } from '../../src/train/trainer.js';

const CONFIGS = resolve(import.meta.dirname, '../../experiments/configs');
const SMOKE_STEPS = 3;
const SMOKE_ROWS = 120;

/** The overrides that make a config quick: fewer steps, fewer rows, weights saved at a step that is reached. */
function smokeSets(file: string): string[] {
  const { config } = loadConfig(file);
  const sets = [`train.steps=${Math.min(config.train.steps ?? SMOKE_STEPS, SMOKE_STEPS)}`];
  if (config.train.epochs !== null) sets.push('train.epochs=null');
  const params: Readonly<Record<string, unknown>> = DATASETS[config.data.kind].params;
  if ('samples' in params) sets.push(`data.samples=${SMOKE_ROWS}`);
  else if ('limit' in params) sets.push(`data.limit=${SMOKE_ROWS}`);
  if (config.train.saveWeights.length > 0) sets.push('train.saveWeights=[0]');
  return sets;
}

const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.json')).sort();

describe.each(files)('experiments/configs/%s', (file) => {
  it('trains every cell for a few steps and writes its records and summary', async () => {
    const path = join(CONFIGS, file);
    const { config, baseDir } = loadConfig(path, { set: smokeSets(path) });
    const out = mkdtempSync(join(tmpdir(), 'gradflow-smoke-'));
    const cells = expandCells(config);
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) {
      const dir = join(out, cell.id);
      const summary = await trainCell(cell.config, { dir, baseDir });
      const steps = cell.config.train.steps ?? 0;
      expect(summary, cell.id).toMatchObject({ status: 'ok', steps });
      const records = readFileSync(join(dir, 'metrics.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as MetricRecord);
      expect(records[0].step).toBe(0);
      expect(records.at(-1)!.step).toBe(steps);
      expect(records[0].layers.length).toBe(cell.config.metrics.enabled ? cell.config.model.depth + 1 : 0);
    }
  });
});
