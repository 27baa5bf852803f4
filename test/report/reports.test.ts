import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunReport, writeSweepReport } from '../../src/report/index.js';
import { readSweep } from '../../src/report/read.js';
import { chooseOutcome, numericAxes, seedAxes, seedSection } from '../../src/report/sweep-report.js';
import { NOTES, PAGE, SWEEP_CHARTS, fmt } from '../../src/report/text.js';
import { SWEEP_SUMMARY_FILE } from '../../src/results/layout.js';
import { toSummary } from '../../src/results/read-summary.js';
import { summarizeSweep, wilson, type CellOutcome } from '../../src/results/stats.js';
import type { SweepSummary } from '../../src/results/types.js';
import {
  BORN_DEAD, HOSTILE_DESCRIPTION, HOSTILE_NAME, SEED_COUNT, writeDivergedRun, writeFakeRun, writePhaseSweep, writePreluRun,
  writeSeedSweep, writeSigmoidRun, writeSweep,
} from './fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradflow-reports-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The inner markup of <figure id=...>. */
function figure(html: string, id: string): string {
  const m = html.match(new RegExp(`<figure class="chart" id="${id}">([\\s\\S]*?)</figure>`));
  if (!m) throw new Error(`no figure ${id}`);
  return m[1];
}

const luminance = (hex: string): number => {
  const n = parseInt(hex.slice(1), 16);
  return 0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255);
};

describe('writeRunReport on the deep-sigmoid run', () => {
  let cell: string;
  let html: string;
  beforeAll(async () => {
    cell = join(dir, 'sigmoid');
    await writeSigmoidRun(cell, { name: HOSTILE_NAME, description: HOSTILE_DESCRIPTION });
    html = await readFile(await writeRunReport(cell), 'utf8');
  });

  it('writes report.html in the cell folder and the same bytes on a second run', async () => {
    const path = await writeRunReport(cell);
    expect(path).toBe(join(cell, 'report.html'));
    expect(await readFile(path, 'utf8')).toBe(html);
  });

  it('shows the hostile config name and description as text, never as markup', () => {
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert(2)');
    expect(html).not.toContain('<b>not bold');
    expect(html).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;</h1>');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &amp; &quot;quoted&quot;');
  });

  it('needs no network: the libraries are inlined and nothing is fetched', () => {
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*href="(?!data:)/i);
    expect(html).toContain('/* vega-embed */');
    expect(html).toContain('/* vega-lite */');
    expect(html).toMatch(/<script>\/\* vega \*\//);
    // Exactly one script element ends per opening: no bundle closes its element early.
    expect(html.match(/<script[\s>]/g)!.length).toBe(html.match(/<\/script>/g)!.length);
  });

  it('has every chart of a run with a static SVG and a caption', () => {
    for (const id of ['loss', 'grad-heatmap', 'grad-profile', 'act-hist', 'act-stats', 'dead-saturated', 'update-ratio']) {
      const f = figure(html, id);
      expect(f, id).toMatch(/<noscript><svg[\s\S]*?(<path|<line)[\s\S]*<\/svg><\/noscript>/);
      expect(f, id).toMatch(/<figcaption>.+<\/figcaption>/);
    }
    expect(html).toContain('ok: finished 2000 steps');
    expect(html).toContain(NOTES.theoryLine(0.0625, true));
  });

  it('draws the gradient fading toward the input: each heat-map row darker than the one above', () => {
    const svg = figure(html, 'grad-heatmap');
    const rows = new Map<number, number[]>();
    for (const m of svg.matchAll(/<path[^>]*? d="M[-\d.]+,([-\d.]+)h[^"]*" fill="(#[0-9a-f]{6})"/g)) {
      const y = Number(m[1]);
      rows.set(y, [...(rows.get(y) ?? []), luminance(m[2])]);
    }
    // 11 rows: layers 0..9 and the output layer, top to bottom by y.
    const mean = [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.reduce((s, x) => s + x, 0) / v.length);
    expect(mean).toHaveLength(11);
    for (let i = 1; i < mean.length; i++) expect(mean[i], `row ${i}`).toBeLessThan(mean[i - 1]);
  });
});

describe('writeRunReport on other runs', () => {
  it('says where a diverged run diverged and marks the non-finite cells', async () => {
    const cell = join(dir, 'diverged');
    await writeDivergedRun(cell);
    const html = await readFile(await writeRunReport(cell), 'utf8');
    expect(html).toContain('diverged at step 340 in layer 3 (non-finite gradient)');
    expect(html).toContain(NOTES.divergedMarker(340));
    expect(html).toContain(NOTES.nonFinite(4));
  });

  it('draws PReLU slopes and when units died', async () => {
    const cell = join(dir, 'prelu');
    await writePreluRun(cell);
    const html = await readFile(await writeRunReport(cell), 'utf8');
    for (const id of ['prelu', 'death-steps', 'revived']) expect(() => figure(html, id)).not.toThrow();
    expect(html).toContain(NOTES.bornDead(2));
  });

  it('renders a run that is still writing: partial line skipped, no summary, no histograms', async () => {
    const cell = join(dir, 'running');
    await writeFakeRun(cell, { depth: 4, width: 8, steps: 100, every: 10, histEvery: 0, partialLine: true, noSummary: true });
    const html = await readFile(await writeRunReport(cell), 'utf8');
    expect(html).toContain(PAGE.statusMissing(11));
    expect(html).toContain(PAGE.partialLine);
    expect(html).toContain(NOTES.noHistograms);
    expect(html).toContain(NOTES.noTheory);
  });

  it('stays under 5 MB for a 50-layer, 5000-step run, saying how it thinned the series', async () => {
    const cell = join(dir, 'big');
    await writeFakeRun(cell, { depth: 50, width: 32, steps: 5000, every: 10, histEvery: 100, gradShrink: 1.2, dying: true });
    const path = await writeRunReport(cell);
    const { size } = await stat(path);
    expect(size).toBeLessThan(5 * 1024 * 1024);
    const html = await readFile(path, 'utf8');
    expect(html).toContain(PAGE.downsampled(101, 501, 5));
  });
});

describe('writeSweepReport', () => {
  it('compares the cells and links each one from a sortable table', async () => {
    const exp = join(dir, 'sweep');
    await writeSweep(exp, { name: 'activations-by-depth', hostileCell: true });
    const path = await writeSweepReport(exp);
    expect(path).toBe(join(exp, 'report.html'));
    const html = await readFile(path, 'utf8');
    for (const id of ['curves', 'profile-grad', 'profile-delta', 'heatmaps', 'fractions-end', 'dead-over-time', 'vanishing', 'blowup']) expect(() => figure(html, id)).not.toThrow();
    expect(html).toContain('<table class="sortable">');
    expect(html.match(/<tr><td><a href="/g)).toHaveLength(10);
    expect(html).toContain('<a href="sigmoid-d5/report.html">model.activation=sigmoid,model.depth=5</a>');
    expect(html).toContain('<a href="hostile/report.html">&lt;img src=x onerror=alert(1)&gt;</a>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain(NOTES.noPhase);
    expect(await readFile(await writeSweepReport(exp), 'utf8')).toBe(html);
  });

  it('draws phase diagrams when two swept axes are numeric, averaging seeds', async () => {
    const exp = join(dir, 'phase');
    await writePhaseSweep(exp);
    expect(numericAxes((await readSweep(exp)).cells)).toEqual(['model.depth', 'model.init.gain']);
    const html = await readFile(await writeSweepReport(exp), 'utf8');
    for (const id of ['phase-trainability', 'phase-gradient']) {
      const svg = figure(html, id);
      // 4 depths x 5 gains = 20 squares, whatever the number of seeds.
      expect(svg.match(/<path[^>]*? d="[^"]*" fill="#[0-9a-f]{6}" stroke="white"/g)?.length, id).toBe(20);
    }
  });

  it('refuses an index.json whose experiment is not a plain name, and escapes hostile text from the configs', async () => {
    const exp = join(dir, 'hostile-sweep');
    await writeSweep(exp, { name: HOSTILE_NAME, description: HOSTILE_DESCRIPTION });
    await expect(writeSweepReport(exp)).rejects.toThrow(/index\.json: cannot read: experiment: "<img src=x onerror=alert\(1\)>" is not allowed/);
    const indexFile = join(exp, 'index.json');
    await writeFile(indexFile, JSON.stringify({ ...JSON.parse(await readFile(indexFile, 'utf8')), experiment: 'hostile-sweep' }));
    const html = await readFile(await writeSweepReport(exp), 'utf8');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert(2)');
  });
});

/** The rows of the "Over seeds" table as text, cell by cell. */
function seedTableRows(html: string): string[][] {
  const table = html.match(/<table class="sortable seeds">([\s\S]*?)<\/table>/);
  if (!table) throw new Error('no seeds table');
  return [...table[1].matchAll(/<tr><td>([\s\S]*?)<\/tr>/g)].map((m) =>
    `<td>${m[1]}`.split('</td>').filter((c) => c.includes('<td')).map((c) => c.replace(/<td[^>]*>/, '').replace(/<wbr>/g, '')));
}

describe('writeSweepReport over seeds', () => {
  let exp: string;
  let html: string;
  let summary: SweepSummary;
  beforeAll(async () => {
    exp = join(dir, 'seeds');
    await writeSeedSweep(exp);
    summary = JSON.parse(await readFile(join(exp, SWEEP_SUMMARY_FILE), 'utf8')) as SweepSummary;
    html = await readFile(await writeSweepReport(exp), 'utf8');
  });

  it('adds an "Over seeds" section with the born-dead chart, the loss chart and a table', () => {
    expect(html).toContain(`<h2>${PAGE.sectionSeeds}</h2>`);
    for (const id of ['seeds-proportion', 'seeds-loss']) expect(figure(html, id), id).toMatch(/<noscript><svg[\s\S]*?<path[\s\S]*<\/svg><\/noscript>/);
    expect(figure(html, 'seeds-proportion')).toContain(SWEEP_CHARTS.seedsBornDead.caption);
    expect(figure(html, 'seeds-proportion')).toContain(NOTES.seedsDrawn('bornDead', 'varies'));
    expect(figure(html, 'seeds-loss')).toContain(SWEEP_CHARTS.seedsLoss.caption);
    // Comparison first, then the seeds, then the rest.
    expect(html.indexOf(PAGE.sectionCompare)).toBeLessThan(html.indexOf(PAGE.sectionSeeds));
    expect(html.indexOf(PAGE.sectionSeeds)).toBeLessThan(html.indexOf(PAGE.sectionPhase));
  });

  it('has one table row per group with k/n and the Wilson interval of each yes/no outcome', () => {
    const rows = seedTableRows(html);
    expect(rows).toHaveLength(6);
    for (const [init, byDepth] of Object.entries(BORN_DEAD)) {
      for (const [depth, k] of Object.entries(byDepth)) {
        const row = rows.find((r) => r[0] === `model.depth=${depth},model.init=${init}`);
        expect(row, `${depth} ${init}`).toBeDefined();
        expect(row![1]).toBe(String(SEED_COUNT));
        const w = wilson(k, SEED_COUNT);
        expect(row!.at(-1)).toBe(PAGE.proportion(k, SEED_COUNT, w.lo, w.hi));
        const ok = wilson(SEED_COUNT, SEED_COUNT);
        expect(row![5]).toBe(PAGE.proportion(SEED_COUNT, SEED_COUNT, ok.lo, ok.hi));
      }
    }
  });

  it('shows the final loss as mean ± std [p5, p95] from sweep-summary.json, and the vanishing p50 of the live seeds', () => {
    const rows = seedTableRows(html);
    for (const g of summary.groups) {
      const row = rows.find((r) => r[0] === g.group)!;
      const m = g.metrics.finalLoss;
      expect(row[2]).toBe(PAGE.meanStd(m.mean!, m.std, m.p5, m.p95));
      const v = g.metrics['initial.vanishing'].p50;
      expect(row[4]).toBe(v === null ? PAGE.unknown : fmt(v));
      // Born-dead seeds have no vanishing index; the depth-8 glorot group has one live seed of five.
      expect(g.metrics['initial.vanishing'].n).toBe(SEED_COUNT - BORN_DEAD[String(g.overrides['model.init'])][Number(g.overrides['model.depth'])]);
    }
  });

  it('reads the aggregates from the file: what the file says is what the table shows', async () => {
    const edited = { ...summary, groups: summary.groups.map((g, i) => (i === 0 ? { ...g, group: 'edited-on-disk' } : g)) };
    const other = join(dir, 'seeds-edited');
    await writeSeedSweep(other);
    await writeFile(join(other, SWEEP_SUMMARY_FILE), JSON.stringify(edited));
    const page = await readFile(await writeSweepReport(other), 'utf8');
    expect(seedTableRows(page).map((r) => r[0])).toContain('edited-on-disk');
  });

  it('omits the section when the experiment has no sweep-summary.json', async () => {
    const other = join(dir, 'seeds-missing');
    await writeSeedSweep(other);
    await rm(join(other, SWEEP_SUMMARY_FILE));
    const page = await readFile(await writeSweepReport(other), 'utf8');
    expect(page).not.toContain(`<h2>${PAGE.sectionSeeds}</h2>`);
    expect(page).not.toContain('id="seeds-proportion"');
  });

  it('omits the section when every group has a single seed', async () => {
    const other = join(dir, 'seeds-single');
    await writeSweep(other);
    const sweep = await readSweep(other);
    const cells = sweep.cells.map((c) => ({ id: c.id, overrides: c.overrides, status: c.status, seed: 0, summary: null }));
    await writeFile(join(other, SWEEP_SUMMARY_FILE), JSON.stringify(summarizeSweep('one-seed', cells)));
    const page = await readFile(await writeSweepReport(other), 'utf8');
    expect(page).not.toContain(`<h2>${PAGE.sectionSeeds}</h2>`);
  });
});

/** A sweep summary made by the real aggregation from cells given as (overrides, status, bornDead). */
type FakeCell = readonly [Readonly<Record<string, unknown>>, string, boolean];

function summaryOf(cells: readonly FakeCell[]): SweepSummary {
  const outcomes: CellOutcome[] = cells.map(([overrides, status, bornDead], i) => ({
    id: `${Object.entries(overrides).map(([k, v]) => `${k}=${String(v)}`).join(',')},seed=${i}`,
    overrides: { ...overrides, seed: i }, status, seed: i, summary: toSummary({ finalLoss: 0.5 + 0.01 * i, bornDead }),
  }));
  return summarizeSweep('t', outcomes);
}

describe('the "Over seeds" section', () => {
  const twice = (c: FakeCell): FakeCell[] => [c, c];

  it('draws born dead when it varies, else diverged when that varies, else whichever happened', () => {
    const dead = summaryOf([...twice([{ 'model.depth': 2 }, 'ok', false]), ...twice([{ 'model.depth': 4 }, 'ok', true])]);
    expect(chooseOutcome(dead.groups)).toEqual({ outcome: 'bornDead', why: 'varies' });
    const div = summaryOf([...twice([{ 'model.depth': 2 }, 'ok', false]), ...twice([{ 'model.depth': 4 }, 'diverged', false])]);
    expect(chooseOutcome(div.groups)).toEqual({ outcome: 'diverged', why: 'varies' });
    const allDiverged = summaryOf([...twice([{ 'model.depth': 2 }, 'diverged', false]), ...twice([{ 'model.depth': 4 }, 'diverged', false])]);
    expect(chooseOutcome(allDiverged.groups)).toEqual({ outcome: 'diverged', why: 'happened' });
    const none = summaryOf([...twice([{ 'model.depth': 2 }, 'ok', false]), ...twice([{ 'model.depth': 4 }, 'ok', false])]);
    expect(chooseOutcome(none.groups)).toEqual({ outcome: 'bornDead', why: 'default' });
  });

  it('puts depth on x when it is numeric and colours by the other swept values', () => {
    const s = summaryOf([
      [{ 'model.width': 3, 'model.depth': 2, 'model.init': 'he_normal' }, 'ok', false],
      [{ 'model.width': 3, 'model.depth': 4, 'model.init': 'he_normal' }, 'ok', false],
      [{ 'model.width': 5, 'model.depth': 2, 'model.init': 'he_normal' }, 'ok', false],
    ]);
    expect(seedAxes(s.groups)).toEqual({ x: 'model.depth', others: ['model.width', 'model.init'] });
    expect(seedAxes(summaryOf([[{ 'model.activation': 'relu' }, 'ok', false], [{ 'model.activation': 'tanh' }, 'ok', false]]).groups))
      .toEqual({ x: null, others: ['model.activation'] });
  });

  it('shows only the table, with a note, when no swept value is numeric', () => {
    const s = summaryOf([...twice([{ 'model.activation': 'relu' }, 'ok', true]), ...twice([{ 'model.activation': 'tanh' }, 'ok', false])]);
    const section = seedSection(s)!;
    expect(section.heading).toBe(PAGE.sectionSeeds);
    expect(section.charts).toEqual([]);
    expect(section.notes).toEqual([NOTES.noSeedAxis]);
    expect(section.html).toContain('<td>model.activation=relu</td>');
  });

  it('escapes group labels from the file', () => {
    const s = summaryOf([...twice([{ 'model.depth': 2, x: HOSTILE_NAME }, 'ok', false]), ...twice([{ 'model.depth': 4, x: HOSTILE_NAME }, 'ok', false])]);
    const section = seedSection(s)!;
    expect(section.html).not.toContain('<img');
    expect(section.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
