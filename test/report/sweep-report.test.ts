import { readFile, stat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vega from 'vega';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Chart } from '../../src/report/html.js';
import { readSweep } from '../../src/report/read.js';
import { countMarks, renderView, sceneRoot, type SceneNode } from '../../src/report/render.js';
import { MAX_HEATMAPS } from '../../src/report/sweep-rows.js';
import { sweepPage, writeSweepReport } from '../../src/report/sweep-report.js';
import { MAX_LINES } from '../../src/report/sweep-shape.js';
import { NOTES } from '../../src/report/text.js';
import { SWEEP_FIXTURES, type SweepFixture } from './sweep-series.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradflow-sweep-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Distinct tick labels of every labelled axis drawn (each axis instance on its own; grid-only axes have none). */
function axisLabels(view: vega.View): string[][] {
  const out: string[][] = [];
  const labels = (node: SceneNode, into: Set<string>): void => {
    if (node.role === 'axis-label') for (const t of node.items ?? []) into.add(String(t.text));
    for (const c of node.items ?? []) labels(c, into);
  };
  const visit = (node: SceneNode): void => {
    if (node.role === 'axis') {
      for (const axis of node.items ?? []) {
        const set = new Set<string>();
        labels(axis, set);
        if (set.size) out.push([...set]);
      }
      return;
    }
    for (const c of node.items ?? []) visit(c);
  };
  visit(sceneRoot(view));
  return out;
}

/** Every object under `v` that has key `k`, with that key's value. */
function findAll(v: unknown, k: string): unknown[] {
  if (Array.isArray(v)) return v.flatMap((x) => findAll(x, k));
  if (typeof v !== 'object' || v === null) return [];
  const here = k in v ? [(v as Record<string, unknown>)[k]] : [];
  return [...here, ...Object.values(v).flatMap((x) => findAll(x, k))];
}

const COMPARISON = ['curves', 'profile-grad', 'profile-delta', 'heatmaps', 'fractions-end', 'dead-over-time', 'vanishing', 'blowup'];

describe.each(SWEEP_FIXTURES)('the report of a sweep over $name', (f: SweepFixture) => {
  let charts: Chart[];
  let html: string;
  let exp: string;

  beforeAll(async () => {
    exp = join(dir, f.name.replace(/\W+/g, '-'));
    await f.write(exp);
    const sweep = await readSweep(exp);
    expect(sweep.cells).toHaveLength(f.cells);
    charts = sweepPage(sweep).sections.flatMap((s) => s.charts);
    html = await readFile(await writeSweepReport(exp), 'utf8');
  });

  it('draws the curves, the profiles, the heat maps of small sweeps and the per-cell charts, in this order', () => {
    expect(charts.map((c) => c.id)).toEqual(Object.keys(f.charts));
    if (f.cells > MAX_HEATMAPS) expect(html).toContain(NOTES.heatmapsOmitted(f.cells, MAX_HEATMAPS));
  });

  it('compiles every chart without a warning and draws the expected series', async () => {
    for (const chart of charts) {
      const { view, warnings } = await renderView(chart.spec);
      expect(warnings, chart.id).toEqual([]);
      const c = countMarks(view);
      const want = f.charts[chart.id];
      if (want.line !== undefined) expect(c.line?.marks ?? 0, `${chart.id} lines`).toBe(want.line);
      if (want.area !== undefined) expect(c.area?.marks ?? 0, `${chart.id} bands`).toBe(want.area);
      if (want.rect !== undefined) expect(c.rect?.marks ?? 0, `${chart.id} panels`).toBe(want.rect);
      if (want.symbolItems !== undefined) expect(c.symbol?.items ?? 0, `${chart.id} points`).toBe(want.symbolItems);
      const axes = axisLabels(view);
      expect(axes.length, chart.id).toBeGreaterThan(0);
      for (const labels of axes) {
        // Never an axis with a single value, and numbers as the config wrote them (20, not 20.000000).
        expect(labels.length, `${chart.id}: ${labels.join(' ')}`).toBeGreaterThanOrEqual(2);
        for (const l of labels) expect(l, chart.id).not.toMatch(/\.\d*0000/);
      }
      view.finalize();
    }
  });

  it('binds one selection to the legend of every comparison chart, with tooltips naming the cell and the value', () => {
    for (const chart of charts.filter((c) => COMPARISON.includes(c.id))) {
      const params = findAll(chart.spec, 'params').flat() as { name: string; bind?: string }[];
      expect(params.map((p) => p.name), chart.id).toContain('pick');
      if (chart.id !== 'heatmaps') expect(params.some((p) => p.bind === 'legend'), chart.id).toBe(true);
      const tips = findAll(chart.spec, 'tooltip').flat() as { field?: string }[];
      expect(tips.some((t) => t.field === 'line' || t.field === 'cell'), chart.id).toBe(true);
      expect(tips.some((t) => ['value', 'factor', 'gradNorm'].includes(t.field ?? '')), chart.id).toBe(true);
    }
  });

  it('keeps the legend of every comparison chart in its static SVG', () => {
    const series = f.name === 'seeds' ? ['he_normal', 'glorot_uniform'] : ['sigmoid', 'tanh', 'relu'];
    for (const id of COMPARISON.filter((c) => c in f.charts && c !== 'heatmaps')) {
      const figure = html.match(new RegExp(`<figure class="chart" id="${id}">[\\s\\S]*?</figure>`))![0];
      const legend = figure.match(/<g class="mark-group role-legend"[\s\S]*/)?.[0] ?? '';
      for (const s of series) expect(legend, `${id} ${s}`).toContain(`>${s}</text>`);
    }
  });

  it('says what a line is', () => {
    const note = f.name === 'seeds'
      ? NOTES.linesSeeds(6)
      : f.name === '100 cells' ? NOTES.linesGroups(100, 25, MAX_LINES, true) : NOTES.linesCells;
    expect(html).toContain(note);
  });

  it('stays under 5 MB', async () => {
    expect((await stat(join(exp, 'report.html'))).size).toBeLessThan(5 * 1024 * 1024);
  });
});

describe('the sweep report of the user guide', () => {
  it('draws no chart with one point per cell when no swept value takes two values, and says why', async () => {
    const exp = join(dir, 'constant');
    const { writeFakeRun } = await import('./fixtures.js');
    const { writeFile } = await import('node:fs/promises');
    for (const seed of [0, 1]) await writeFakeRun(join(exp, `seed=${seed}`), { depth: 4, width: 8, steps: 40, every: 10, histEvery: 0, seed });
    await writeFile(join(exp, 'index.json'), JSON.stringify({
      experiment: 'constant',
      cells: [0, 1].map((seed) => ({ id: `depth=20,seed=${seed}`, path: `seed=${seed}`, overrides: { 'model.depth': 20, seed }, status: 'ok' })),
    }));
    const page = sweepPage(await readSweep(exp));
    const ids = page.sections.flatMap((s) => s.charts.map((c) => c.id));
    expect(ids).not.toContain('vanishing');
    expect(ids).toContain('curves');
    expect(page.sections.flatMap((s) => s.notes ?? [])).toContain(NOTES.noScalarAxis);
  });
});
