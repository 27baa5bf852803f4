/**
 * Opens generated reports in a real browser (Debian's chromium through playwright-core) from
 * file://, offline: no console error, every chart drawn with marks, hostile strings shown as text,
 * the static SVGs visible with JavaScript off. Screenshots go to results/screenshots/.
 *
 * Needs `apt-get install -y chromium` (or GRADFLOW_CHROMIUM=/path/to/chrome). Without a browser
 * the suite fails, unless GRADFLOW_SKIP_BROWSER=1 says to skip it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFigures, writeRunReport, writeSweepReport } from '../../src/report/index.js';
import { HOSTILE_DESCRIPTION, HOSTILE_NAME, writeSeedSweep, writeSigmoidRun, writeSweep } from './fixtures.js';

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
    await expectAllChartsDrawn(v, 3);
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
    // vanishing against depth, dead units, blow-up, then the proportion and the loss over seeds.
    await expectAllChartsDrawn(v, 5);
    const table = v.page.locator('table.seeds');
    expect(await table.locator('tbody tr').count()).toBe(6);
    const bornDead = table.locator('th', { hasText: /^born dead$/ });
    await bornDead.click();
    await bornDead.click();
    expect(await table.locator('tbody tr:first-child td:first-child').textContent()).toBe('model.depth=8,model.init=glorot_uniform');
    await v.page.locator('section', { has: v.page.locator('table.seeds') }).screenshot({ path: join(SHOTS, 'sweep-seeds.png') });
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
