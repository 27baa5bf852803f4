import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blowupOverTimeOf, bornDeadLayersOf, bornDeadOf, deadUnitEventsOf } from '../../src/report/blocks.js';
import { downsample, layerBudget } from '../../src/report/downsample.js';
import { escapeHtml, pageData, scriptJson, toColumnar } from '../../src/report/html.js';
import { readRun, readSweep, runInfo } from '../../src/report/read.js';
import { SWEEP_SUMMARY_FILE } from '../../src/results/layout.js';
import { readSweepSummary } from '../../src/results/read-index.js';
import { toSummary } from '../../src/results/read-summary.js';
import { parseNdjson, toMetricRecord } from '../../src/results/read.js';
import { compactSvg } from '../../src/report/render.js';
import { fmt } from '../../src/report/text.js';
import { HOSTILE_NAME, SEED_COUNT, writeFakeRun, writeSeedSweep, writeSweep } from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradflow-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseNdjson', () => {
  it('reads only complete lines and flags a partial last line', () => {
    const r = parseNdjson('{"a":1}\n{"a":2}\n{"a":3, "b"');
    expect(r.items).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.partial).toBe(true);
    expect(r.bad).toBe(0);
  });

  it('reads a file that ends with a newline completely', () => {
    const r = parseNdjson('{"a":1}\n\n{"a":2}\n');
    expect(r.items).toHaveLength(2);
    expect(r.partial).toBe(false);
  });

  it('counts complete lines that are not JSON', () => {
    expect(parseNdjson('{"a":1}\nnot json\n').bad).toBe(1);
    expect(parseNdjson('').items).toEqual([]);
  });
});

describe('toMetricRecord', () => {
  it('reads null (how JSON writes NaN) as NaN and keeps absent fields absent', () => {
    const r = toMetricRecord({ step: 3, epoch: 0, loss: null, layers: [{ layer: 0, gradNorm: null, updateRatio: 0.1 }] })!;
    expect(r.loss).toBeNaN();
    expect(r.layers[0].gradNorm).toBeNaN();
    expect(r.layers[0].updateRatio).toBe(0.1);
    expect(r.layers[0].actMean).toBeUndefined();
    expect(r.trainAcc).toBeUndefined();
  });

  it('rejects lines without a numeric step or a layers list', () => {
    expect(toMetricRecord({ step: '3', layers: [] })).toBeNull();
    expect(toMetricRecord({ step: 3 })).toBeNull();
    expect(toMetricRecord([1, 2])).toBeNull();
  });
});

describe('readRun', () => {
  it('skips the partial last line of a run still writing and reads no summary', async () => {
    const d = join(dir, 'partial');
    await writeFakeRun(d, { depth: 3, width: 4, steps: 50, every: 10, histEvery: 0, partialLine: true, noSummary: true });
    const run = await readRun(d);
    expect(run.records.map((r) => r.step)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(run.partialLine).toBe(true);
    expect(run.summary).toBeNull();
    expect(run.histograms).toEqual([]);
  });

  it('gives empty data for a folder with no files', async () => {
    const d = join(dir, 'empty');
    await mkdir(d, { recursive: true });
    const run = await readRun(d);
    expect(run.records).toEqual([]);
    expect(run.config).toBeNull();
    expect(runInfo(run.config).name).toBe('');
  });

  it('summarises the resolved config for the header', async () => {
    const d = join(dir, 'info');
    await writeFakeRun(d, { activation: 'prelu', depth: 4, width: 16, steps: 20, every: 10, histEvery: 0 });
    const info = runInfo((await readRun(d)).config);
    expect(info).toMatchObject({ depth: 4, width: 16, activation: 'prelu (init=0.25, perUnit=false)', activationName: 'prelu', lr: 0.1, steps: 20, seed: 0 });
    expect(info.data).toBe('spirals, 3000 samples, 3 classes');
  });
});

describe('readSweep', () => {
  it('lists every cell with a URL-encoded link to its report', async () => {
    const d = join(dir, 'sweep');
    await writeSweep(d, { hostileCell: true });
    const sweep = await readSweep(d);
    expect(sweep.cells).toHaveLength(10);
    expect(sweep.cells[0].href).toBe('sigmoid-d5/report.html');
    expect(sweep.cells[0].run.records.length).toBeGreaterThan(0);
    expect(sweep.cells.at(-1)!.id).toBe(HOSTILE_NAME);
  });

  it('encodes path segments so a cell path cannot become a script URL', async () => {
    const d = join(dir, 'odd');
    await mkdir(d, { recursive: true });
    await writeFile(join(d, 'index.json'), JSON.stringify({ experiment: 'x', cells: [{ id: 'a', path: 'javascript:alert(1)', overrides: {}, status: 'ok' }] }));
    const sweep = await readSweep(d);
    expect(sweep.cells[0].href).toBe('javascript%3Aalert(1)/report.html');
  });
});

describe('readSweepSummary', () => {
  it('reads the sweep-summary.json that the aggregation wrote, with readSweep', async () => {
    const d = join(dir, 'seeds');
    await writeSeedSweep(d);
    const summary = await readSweepSummary(d);
    expect(summary?.groups).toHaveLength(6);
    expect(summary!.groups[0].n).toBe(SEED_COUNT);
    expect(summary!.groups[0].overrides).toEqual({ 'model.depth': 2, 'model.init': 'he_normal' });
    expect((await readSweep(d)).summary).toEqual(summary);
  });

  it('gives no summary to the report when the file is missing, not JSON, or has no groups list', async () => {
    const d = join(dir, 'no-summary');
    await mkdir(d, { recursive: true });
    expect(readSweepSummary(d)).toBeNull();
    expect(readSweep(d).summary).toBeNull();
    await writeFile(join(d, SWEEP_SUMMARY_FILE), '{"groups": ');
    expect(() => readSweepSummary(d)).toThrow(/cannot read: not valid JSON/);
    expect(readSweep(d).summary).toBeNull();
    await writeFile(join(d, SWEEP_SUMMARY_FILE), JSON.stringify({ groups: {} }));
    expect(readSweep(d).summary).toBeNull();
  });

  it('skips groups it cannot read and fills absent metrics with empty aggregates', async () => {
    const d = join(dir, 'odd-summary');
    await mkdir(d, { recursive: true });
    await writeFile(join(d, SWEEP_SUMMARY_FILE), JSON.stringify({
      groups: [
        'not a group',
        { group: 'no n' },
        { group: 'depth=2', n: 3, overrides: { 'model.depth': 2 }, metrics: { finalLoss: { n: 3, mean: 0.5, std: 'x' } }, proportions: { bornDead: { k: 1, n: 3, p: 1 / 3, lo: 0.06, hi: 0.79 } } },
      ],
    }));
    const summary = (await readSweepSummary(d))!;
    expect(summary.groups.map((g) => g.group)).toEqual(['depth=2']);
    const g = summary.groups[0];
    expect(g.metrics.finalLoss).toEqual({ n: 3, mean: 0.5, std: null, min: null, p5: null, p50: null, p95: null, max: null });
    expect(g.metrics.testAcc.n).toBe(0);
    expect(g.proportions.bornDead).toEqual({ k: 1, n: 3, p: 1 / 3, lo: 0.06, hi: 0.79 });
    expect(g.proportions.diverged).toEqual({ k: 0, n: 0, p: null, lo: null, hi: null });
  });
});

describe('downsample', () => {
  it('keeps everything when the series is short enough', () => {
    const r = downsample([1, 2, 3], 5);
    expect(r).toEqual({ items: [1, 2, 3], stride: 1, total: 3 });
  });

  it('keeps every k-th record, the first, the last and the marked ones', () => {
    const xs = Array.from({ length: 501 }, (_, i) => i);
    const r = downsample(xs, 100, (x) => x === 333);
    expect(r.stride).toBe(Math.ceil(500 / 99));
    expect(r.items[0]).toBe(0);
    expect(r.items.at(-1)).toBe(500);
    expect(r.items).toContain(333);
    expect(r.items.filter((x) => x !== 333 && x !== 500).every((x) => x % r.stride === 0)).toBe(true);
  });

  it('never exceeds the budget and never drops the ends', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 2, max: 400 }), (n, max) => {
      const xs = Array.from({ length: n }, (_, i) => i);
      const r = downsample(xs, max);
      expect(r.items.length).toBeLessThanOrEqual(Math.min(n, max));
      expect(r.items[0]).toBe(0);
      expect(r.items.at(-1)).toBe(n - 1);
    }));
  });

  it('gives deep networks fewer records per layer', () => {
    expect(layerBudget(11)).toBe(300);
    expect(layerBudget(51)).toBe(117);
    expect(layerBudget(1000)).toBe(60);
  });
});

describe('summary blocks', () => {
  const summary = toSummary({
    deadUnits: [{ layer: 0, units: 8, deadAtInit: 2 }, { layer: 1, units: 8, deadAtInit: 1 }],
    deadUnitEvents: [{ step: 10, layer: 0, unit: 3, kind: 'died' }, { step: 20, layer: 0, unit: 3, kind: 'revived' }, { bogus: true }],
    deadUnitEventsDropped: 4,
    bornDeadLayers: [1],
    actRmsGrowthOverTime: [1.5, null, 3],
  });

  it('reads dead-unit events with their kind and the dropped count', () => {
    expect(deadUnitEventsOf(summary)).toEqual({
      events: [{ step: 10, layer: 0, unit: 3, kind: 'died' }, { step: 20, layer: 0, unit: 3, kind: 'revived' }],
      dropped: 4,
    });
    expect(deadUnitEventsOf(toSummary({}))).toBeNull();
  });

  it('sums born-dead units and reads the born-dead layers', () => {
    expect(bornDeadOf(summary)).toBe(3);
    expect(bornDeadLayersOf(summary)).toEqual([1]);
    expect(bornDeadOf(null)).toBeNull();
  });

  it('takes the largest activation growth over training', () => {
    expect(blowupOverTimeOf(summary)).toBe(3);
    expect(blowupOverTimeOf(toSummary({ actRmsGrowthOverTime: [null] }))).toBeNull();
  });
});

describe('page safety helpers', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;');
  });

  it('writes JSON that cannot close a script element and parses back to the same value', () => {
    const value = { name: '</script><script>alert(1)</script>', t: 'a\u2028b & <!--' };
    const s = scriptJson(value);
    expect(s).not.toMatch(/<|>|&/);
    expect(JSON.parse(s)).toEqual(value);
  });

  it('stores rows as columns and shares identical data sets between specs', () => {
    const rows = [{ a: 1, b: 'x' }, { a: 2 }, { a: NaN, b: 'y' }];
    expect(toColumnar(rows)).toEqual({ f: ['a', 'b'], c: [[1, 2, null], ['x', null, 'y']] });
    const spec = (n: number) => ({ datasets: { t: [{ v: n }] }, data: { name: 't' }, mark: 'point' }) as never;
    const page = pageData({ one: spec(1), two: spec(1), three: spec(2) });
    expect(Object.keys(page.data)).toHaveLength(2);
    expect(page.refs.one.t).toBe(page.refs.two.t);
    expect('datasets' in page.specs.one).toBe(false);
  });

  it('rounds geometry in an SVG but leaves its text alone', () => {
    const svg = '<path d="M1.23456,2.5h3.14159Z" fill="rgb(255, 0, 16)"/><text transform="translate(1.00001,2)">0.123456</text>';
    expect(compactSvg(svg)).toBe('<path d="M1.23,2.5h3.14Z" fill="#ff0010"/><text transform="translate(1,2)">0.123456</text>');
  });

  it('formats numbers for prose with four significant digits', () => {
    expect(fmt(0.0625)).toBe('0.0625');
    expect(fmt(1.0507009873554805)).toBe('1.051');
    expect(fmt(1e-7)).toBe('1e-7');
    expect(fmt(0)).toBe('0');
  });
});
