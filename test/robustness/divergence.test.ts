/**
 * Divergence in one cell of a sweep: that cell stops cleanly with status `diverged`, the step and
 * the layer; the cells after it still train to the end; the reports render and mark it; the
 * run exits 1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeLines, gradflow, readJson, STACK_FRAME, tmp, writeConfig, type CliResult } from './helpers.js';

const CONFIG = {
  name: 'div',
  description: 'one learning rate far too large',
  data: { kind: 'moons', samples: 200 },
  model: { depth: 4, width: 16, activation: 'relu', init: 'he_normal' },
  train: { steps: 150, batchSize: 32 },
  metrics: { every: 10, probe: 64, histogramsEvery: 50 },
  sweep: { 'train.lr': [0.05, 1e12, 0.1] },
};
const BAD = 'lr=1000000000000';

describe('a sweep in which one cell diverges', () => {
  let dir: string;
  let out: string;
  let r: CliResult;

  beforeAll(async () => {
    dir = tmp();
    out = join(dir, 'results');
    r = await gradflow(['run', writeConfig(dir, CONFIG), '--out', out, '--workers', '1']);
  });

  it('exits 1 and says which cell diverged where, without a stack trace', () => {
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^div/${BAD}: diverged {2}at step \\d+ in layer \\d+ \\(\\w+\\)`, 'm'));
    expect(r.stdout + r.stderr).not.toMatch(STACK_FRAME);
  });

  it('stops that cell cleanly with status diverged, the step and the layer, and complete metric lines', () => {
    const s = readJson<{ status: string; steps: number; diverged: { step: number; layer: number | null; what: string } }>(join(out, 'div', BAD, 'summary.json'));
    expect(s.status).toBe('diverged');
    expect(s.diverged.step).toBeGreaterThanOrEqual(1);
    expect(s.diverged.step).toBeLessThan(150);
    expect(s.diverged.layer).toEqual(expect.any(Number));
    expect(['loss', 'activation', 'gradient', 'weight', 'weights', 'update']).toContain(s.diverged.what);
    const lines = completeLines(join(out, 'div', BAD, 'metrics.ndjson')) as { step: number }[];
    expect(lines[0].step).toBe(0);
    expect(lines.at(-1)!.step).toBeLessThanOrEqual(s.diverged.step);
  });

  it('trains the other cells, before and after it, to the end', () => {
    const index = readJson<{ cells: { id: string; status: string }[] }>(join(out, 'div/index.json'));
    expect(index.cells.map((c) => [c.id, c.status])).toEqual([['lr=0.05', 'ok'], [BAD, 'diverged'], ['lr=0.1', 'ok']]);
    for (const id of ['lr=0.05', 'lr=0.1']) {
      expect(readJson(join(out, 'div', id, 'summary.json'))).toMatchObject({ status: 'ok', steps: 150 });
      expect((completeLines(join(out, 'div', id, 'metrics.ndjson')) as { step: number }[]).at(-1)!.step).toBe(150);
    }
  });

  it('renders the sweep report and marks the diverged cell in the counts and the table', () => {
    const html = readFileSync(join(out, 'div/report.html'), 'utf8');
    expect(html).toContain('<dt>ok</dt><dd>2</dd>');
    expect(html).toContain('<dt>diverged</dt><dd>1</dd>');
    expect(html).toMatch(new RegExp(`<a href="${encodeURIComponent(BAD)}/report.html">${BAD}</a></td><td>diverged</td>`));
  });

  it("renders the cell's own report with the step and the layer", () => {
    const s = readJson<{ diverged: { step: number; layer: number } }>(join(out, 'div', BAD, 'summary.json'));
    const html = readFileSync(join(out, 'div', BAD, 'report.html'), 'utf8');
    expect(html).toContain(`class="status diverged">diverged at step ${s.diverged.step} in layer ${s.diverged.layer}`);
  });
});
