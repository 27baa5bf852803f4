/**
 * Opens generated reports in a real browser (Debian's chromium through playwright-core) from
 * file://, offline: no console error, every chart drawn with marks, hostile strings shown as text,
 * the static SVGs visible with JavaScript off. Screenshots go to results/screenshots/.
 *
 * Needs `apt-get install -y chromium` (or GRADFLOW_CHROMIUM=/path/to/chrome). Without a browser
 * the suite fails, unless GRADFLOW_SKIP_BROWSER=1 says to skip it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFigures, writeRunReport, writeSweepReport } from '../../src/report/index.js';
import type { MarkCounts } from '../../src/report/render.js';
import { HOSTILE_DESCRIPTION, HOSTILE_NAME, writeSeedSweep, writeSigmoidRun, writeSweep } from './fixtures.js';
import { SWEEP_FIXTURES } from './sweep-series.js';

const CHROMIUM = process.env.GRADFLOW_CHROMIUM ?? '/usr/bin/chromium';
const SKIP = process.env.GRADFLOW_SKIP_BROWSER === '1';
const SHOTS = fileURLToPath(new URL('../../results/screenshots/', import.meta.url));

interface Visit {
  readonly page: Page;
  readonly errors: string[];
  readonly requests: string[];
}

describe.skipIf(SKIP)('reports in chromium', () => {
  let dir: string;
  let browser: Browser;
  const pages: Record<'run' | 'sweep' | 'seeds' | 'figures', string> = { run: '', sweep: '', seeds: '', figures: '' };
  /** The report of each sweep fixture, by name. */
  const shapes = new Map<string, string>();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `browser test: no chromium at ${CHROMIUM}. Install it (apt-get install -y chromium), point ` +
        'GRADFLOW_CHROMIUM at a Chrome/Chromium binary, or set GRADFLOW_SKIP_BROWSER=1 to skip this suite.',
      );
    }
    dir = await mkdtemp(join(tmpdir(), 'gradflow-browser-'));
    await writeSigmoidRun(join(dir, 'deep-sigmoid'), { name: HOSTILE_NAME, description: HOSTILE_DESCRIPTION });
    pages.run = await writeRunReport(join(dir, 'deep-sigmoid'));
    await writeSweep(join(dir, 'sweep'), { hostileCell: true });
    pages.sweep = await writeSweepReport(join(dir, 'sweep'));
    await writeSeedSweep(join(dir, 'seeds'));
    pages.seeds = await writeSweepReport(join(dir, 'seeds'));
    pages.figures = await writeFigures(join(dir, 'figures'));
    for (const f of SWEEP_FIXTURES) {
      const exp = join(dir, `shape-${f.name.replace(/\W+/g, '-')}`);
      await f.write(exp);
      shapes.set(f.name, await writeSweepReport(exp));
    }
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens a report, refusing every request that is not the file itself or a data: URL. */
  async function visit(path: string, javaScriptEnabled = true): Promise<Visit> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(path).href);
    if (javaScriptEnabled) await page.waitForSelector('body[data-charts]', { timeout: 60_000 });
    return { page, errors, requests };
  }

  /** Where the legend swatch of colour `hex` is on a chart's canvas (the legend sits right of the plots). */
  async function legendSwatch(page: Page, id: string, hex: string): Promise<{ x: number; y: number }> {
    return scanPixels(page, id, hex, true);
  }

  /** The first pixel of colour `hex` on a chart's canvas scanning from the left edge (a plot's first point). */
  async function firstPixel(page: Page, id: string, hex: string): Promise<{ x: number; y: number }> {
    return scanPixels(page, id, hex, false);
  }

  /**
   * The first pixel of colour `hex` on a chart's canvas, scanning columns from the right or the
   * left edge over 40% of the width, in page coordinates.
   */
  async function scanPixels(page: Page, id: string, hex: string, fromRight: boolean): Promise<{ x: number; y: number }> {
    const canvas = page.locator(`[data-chart="${id}"] canvas`);
    await canvas.scrollIntoViewIfNeeded();
    const at = await canvas.evaluate((c, [colour, right]) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
      const { data, width, height } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      const box = c.getBoundingClientRect();
      for (let i = 0; i < width * 0.4; i++) {
        const x = right ? width - 1 - i : i;
        for (let y = 0; y < height; y++) {
          const k = 4 * (y * width + x);
          if (Math.abs(data[k] - r) < 3 && Math.abs(data[k + 1] - g) < 3 && Math.abs(data[k + 2] - b) < 3) {
            return { x: box.left + ((x + (right ? -3 : 1)) * box.width) / width, y: box.top + (y * box.height) / height };
          }
        }
      }
      return null;
    }, [hex, fromRight] as const);
    if (at === null) throw new Error(`no pixel of colour ${hex} in chart ${id}`);
    return at;
  }

  async function expectAllChartsDrawn(v: Visit, expected: number): Promise<void> {
    const charts = await v.page.$$eval('[data-chart]', (els) =>
      els.map((e) => ({ id: e.getAttribute('data-chart'), marks: Number(e.getAttribute('data-marks')), error: e.getAttribute('data-error') })));
    expect(charts).toHaveLength(expected);
    for (const c of charts) {
      expect(c.error, c.id ?? '').toBeNull();
      expect(c.marks, c.id ?? '').toBeGreaterThan(0);
    }
    // Each chart is a live canvas now.
    expect(await v.page.locator('[data-chart] canvas').count()).toBe(expected);
  }

  it('draws every chart of a run report offline, with the hostile name as text', async () => {
    const v = await visit(pages.run);
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([]);
    // loss, gradient heat map and profile, histograms, activation stats, dead/saturated, update ratio.
    await expectAllChartsDrawn(v, 7);
    expect(await v.page.locator('h1').textContent()).toBe(HOSTILE_NAME);
    expect(await v.page.locator('header .desc').textContent()).toBe(HOSTILE_DESCRIPTION);
    expect(await v.page.locator('img').count()).toBe(0);
    await v.page.screenshot({ path: join(SHOTS, 'run-report.png'), fullPage: true });
    await v.page.context().close();
  });

  it('draws a sweep report, its table sortable and its links pointing at the cells', async () => {
    const v = await visit(pages.sweep);
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([]);
    // curves, two profiles, heat maps, fractions, dead units over time, vanishing index, blow-up.
    await expectAllChartsDrawn(v, 8);
    expect(await v.page.locator('tbody tr').count()).toBe(10);
    expect(await v.page.locator('tbody tr:last-child td:first-child a').textContent()).toBe(HOSTILE_NAME);
    // Sort by depth, descending after two clicks: the first row is a depth-20 cell.
    const depth = v.page.locator('th', { hasText: /^depth$/ });
    await depth.click();
    await depth.click();
    expect(await v.page.locator('tbody tr:first-child td:nth-child(5)').textContent()).toBe('20');
    await v.page.screenshot({ path: join(SHOTS, 'sweep-report.png'), fullPage: true });
    await v.page.context().close();
  });

  it('draws the charts over seeds and sorts the seeds table by share born dead', async () => {
    const v = await visit(pages.seeds);
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([]);
    // curves, two profiles, fractions, dead units, vanishing index, blow-up, then the proportion and the loss over seeds.
    await expectAllChartsDrawn(v, 9);
    const table = v.page.locator('table.seeds');
    expect(await table.locator('tbody tr').count()).toBe(6);
    const bornDead = table.locator('th', { hasText: /^born dead$/ });
    await bornDead.click();
    await bornDead.click();
    expect(await table.locator('tbody tr:first-child td:first-child').textContent()).toBe('model.depth=8,model.init=glorot_uniform');
    await v.page.locator('section', { has: v.page.locator('table.seeds') }).screenshot({ path: join(SHOTS, 'sweep-seeds.png') });
    await v.page.context().close();
  });

  it.each(SWEEP_FIXTURES)('draws every chart of a sweep over $name with its series, offline', async (f) => {
    const path = shapes.get(f.name)!;
    expect((await stat(path)).size).toBeLessThan(5 * 1024 * 1024);
    const v = await visit(path);
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([]);
    await expectAllChartsDrawn(v, Object.keys(f.charts).length);
    const drawn = await v.page.$$eval('[data-chart]', (els) =>
      els.map((e) => ({ id: e.getAttribute('data-chart')!, counts: JSON.parse(e.getAttribute('data-counts') ?? '{}') as MarkCounts })));
    expect(drawn.map((d) => d.id)).toEqual(Object.keys(f.charts));
    for (const { id, counts } of drawn) {
      const want = f.charts[id];
      if (want.line !== undefined) expect(counts.line?.marks ?? 0, `${id} lines`).toBe(want.line);
      if (want.area !== undefined) expect(counts.area?.marks ?? 0, `${id} bands`).toBe(want.area);
      if (want.rect !== undefined) expect(counts.rect?.marks ?? 0, `${id} panels`).toBe(want.rect);
      if (want.symbolItems !== undefined) expect(counts.symbol?.items ?? 0, `${id} points`).toBe(want.symbolItems);
    }
    await v.page.screenshot({ path: join(SHOTS, `sweep-${f.name.replace(/\W+/g, '-')}.png`), fullPage: true });
    await v.page.context().close();
  });

  it('highlights the series picked in one legend in every chart, and clears it', async () => {
    const v = await visit(shapes.get('activation')!);
    const picks = (): Promise<(string | null)[]> => v.page.$$eval('[data-chart]', (els) => els.map((e) => e.getAttribute('data-pick')));
    expect(new Set(await picks())).toEqual(new Set(['[]']));
    // Hover near the start of the sigmoid curve (tableau10's first colour): the cell and the value.
    const start = await firstPixel(v.page, 'curves', '#4c78a8');
    let tip = '';
    for (let dx = -6; dx <= 10 && !tip; dx += 2) {
      for (let dy = -6; dy <= 6 && !tip; dy += 2) {
        await v.page.mouse.move(start.x + dx, start.y + dy);
        tip = await v.page.locator('#vg-tooltip-element.visible').innerText({ timeout: 100 }).catch(() => '');
      }
    }
    expect(tip).toMatch(/cell\s+activation=(sigmoid|tanh|relu)/);
    expect(tip).toMatch(/value\s+\d/);
    const other = v.page.locator('[data-chart="profile-grad"] canvas');
    const before = await other.screenshot();
    // tanh is the second series: tableau10's second colour.
    const at = await legendSwatch(v.page, 'curves', '#f58518');
    await v.page.mouse.click(at.x, at.y);
    await v.page.waitForFunction(`[...document.querySelectorAll('[data-chart]')].every((e) => e.getAttribute('data-pick') === '[["tanh"]]')`);
    // The other charts redraw with the other series faded.
    await v.page.waitForTimeout(200);
    expect((await other.screenshot()).equals(before)).toBe(false);
    await v.page.screenshot({ path: join(SHOTS, 'sweep-picked.png'), fullPage: true });
    const box = (await v.page.locator('[data-chart="curves"] canvas').boundingBox())!;
    await v.page.mouse.click(box.x + box.width - 4, box.y + box.height - 4);
    await v.page.waitForFunction(`[...document.querySelectorAll('[data-chart]')].every((e) => e.getAttribute('data-pick') === '[]')`);
    await v.page.context().close();
  });

  it('draws the figures gallery', async () => {
    const v = await visit(pages.figures);
    expect(v.errors).toEqual([]);
    expect(v.requests).toEqual([]);
    await expectAllChartsDrawn(v, 13);
    await v.page.screenshot({ path: join(SHOTS, 'figures.png'), fullPage: true });
    await v.page.context().close();
  });

  it('shows the static SVG charts with JavaScript off', async () => {
    const v = await visit(pages.run, false);
    expect(await v.page.locator('[data-chart] svg').count()).toBe(7);
    expect(await v.page.locator('[data-chart] svg path').count()).toBeGreaterThan(1000);
    expect(await v.page.locator('h1').textContent()).toBe(HOSTILE_NAME);
    await v.page.screenshot({ path: join(SHOTS, 'run-report-no-js.png') });
    await v.page.context().close();
  });
});
