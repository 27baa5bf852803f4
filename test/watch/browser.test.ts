/**
 * The live view in a real browser (Debian's chromium through playwright-core, as the report
 * tests): `gradflow run --watch` trains in a child process while the cell page's charts gain
 * points; SIGINT stops the run and the page shows the cell interrupted; a second SIGINT stops the
 * server (exit 130, the run's code). Then `gradflow watch` on a shared folder follows two shard
 * processes of a sweep: the experiment page appears, lists every cell of both shards and shows
 * them finish. Every wait is bounded; every process and the browser are stopped at the end.
 *
 * Needs `apt-get install -y chromium` (or GRADFLOW_CHROMIUM); GRADFLOW_SKIP_BROWSER=1 skips it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, tmp, writeConfig, type CliResult, type Running } from '../helpers/cli.js';
import { cleanEnv } from '../cluster/helpers.js';

const CHROMIUM = process.env.GRADFLOW_CHROMIUM ?? '/usr/bin/chromium';
const SKIP = process.env.GRADFLOW_SKIP_BROWSER === '1';
const SHOTS = fileURLToPath(new URL('../../results/screenshots/', import.meta.url));
/** Longest wait for any one thing to appear on a page or in a process's output. */
const WAIT_MS = 60_000;

/** One cell that trains far longer than the test looks at it; SIGINT ends it. */
const LONG = {
  name: 'live',
  seed: 0,
  data: { kind: 'spirals', samples: 400 },
  model: { depth: 3, width: 16, activation: 'tanh' },
  train: { steps: 5_000_000, batchSize: 32, lr: 0.05 },
  metrics: { every: 50, probe: 32, histogramsEvery: null },
};

/**
 * 3 cells for two shard processes: the split by cost puts the long cell alone in one shard, which
 * trains until it is stopped, and the two short ones in the other, which finishes.
 */
const SWEEP = {
  name: 'sweep',
  seed: 0,
  data: { kind: 'moons', samples: 200 },
  model: { depth: 2, width: 8, activation: 'tanh' },
  train: { batchSize: 32, lr: 0.05 },
  metrics: { every: 100, probe: 32, histogramsEvery: null },
  sweep: { 'train.steps': [2000, 3000, 5_000_000] },
};

const children: Running[] = [];

function launch(args: string[]): Running {
  const r = start(args, { baseEnv: cleanEnv() });
  children.push(r);
  return r;
}

/** The first line the process prints (its URL), waiting at most WAIT_MS. */
async function firstLine(r: Running): Promise<string> {
  let out = '';
  r.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + WAIT_MS;
  while (!out.includes('\n')) {
    if (Date.now() > deadline || r.child.exitCode !== null) throw new Error(`no first line from gradflow ${r.child.spawnargs.slice(2).join(' ')}: ${JSON.stringify(out)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  return out.split('\n')[0];
}

async function exited(r: Running): Promise<CliResult> {
  return Promise.race([r.done, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('process did not exit in time')), WAIT_MS))]);
}

describe.skipIf(SKIP)('gradflow watch in chromium', () => {
  let browser: Browser;
  const outside: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`watch browser test: no chromium at ${CHROMIUM}. Install it (apt-get install -y chromium), point GRADFLOW_CHROMIUM at a Chrome/Chromium binary, or set GRADFLOW_SKIP_BROWSER=1 to skip this suite.`);
    }
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  afterAll(async () => {
    await browser?.close();
    for (const r of children) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  });

  /** A page that may load only from `base` (and data: URLs); anything else is recorded and refused. */
  async function open(base: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(base) || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    return { page, errors };
  }

  /** Waits until the page expression `expr` is true, at most WAIT_MS. */
const until = async (page: Page, expr: string): Promise<void> => {
  await page.waitForFunction(expr, null, { timeout: WAIT_MS });
};

const points = (page: Page): Promise<number> => page.locator('[data-chart="loss"]').evaluate((el) => Number(el.getAttribute('data-points')));

  it('run --watch: the charts gain points while the run trains, and the cell turns interrupted on SIGINT', async () => {
    const dir = tmp('gradflow-watch-run-');
    const cfg = writeConfig(dir, LONG, 'live.json');
    const run = launch(['run', cfg, '--out', join(dir, 'out'), '--watch', '--port', '0', '--workers', '1', '--no-report']);
    const url = await firstLine(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const { page, errors } = await open(url);
    await page.goto(url);
    // The experiment page of the one config: one cell, `run`, training.
    await page.waitForSelector('tr[data-cell="run"] [data-status="running"]', { timeout: WAIT_MS });
    await page.click('tr[data-cell="run"] a');
    await page.waitForSelector('body[data-live="ready"]', { timeout: WAIT_MS });
    const lossPoints = `Number(document.querySelector('[data-chart="loss"]').getAttribute('data-points'))`;
    await until(page, `${lossPoints} > 0`);
    const first = await points(page);
    await until(page, `${lossPoints} > ${first}`);
    const second = await points(page);
    expect(second).toBeGreaterThan(first);
    // Every chart draws what it holds: one line item per point (loss), one per layer and record.
    const marks = await page.locator('[data-chart]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-marks'))));
    expect(marks.every((m) => m > 0)).toBe(true);
    expect(await page.locator('#status').getAttribute('data-status')).toBe('running');
    await page.screenshot({ path: join(SHOTS, 'watch-cell.png'), fullPage: true });

    run.child.kill('SIGINT');
    await page.waitForSelector('#status[data-status="interrupted"]', { timeout: WAIT_MS });
    expect(await page.locator('#status').textContent()).toBe('interrupted');
    const atStop = await points(page);
    expect(atStop).toBeGreaterThanOrEqual(second);
    expect(errors).toEqual([]);
    await page.context().close();

    // The server outlives the run until a second Ctrl-C; the exit code is the run's.
    run.child.kill('SIGINT');
    const done = await exited(run);
    expect(done.code).toBe(130);
    expect(done.stdout).toContain(`the run has ended; still serving ${url} (Ctrl-C to stop)`);
  });

  it('gradflow watch follows two shard processes writing to one shared folder', async () => {
    const dir = tmp('gradflow-watch-shards-');
    const cfg = writeConfig(dir, SWEEP, 'sweep.json');
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    const watch = launch(['watch', shared, '--port', '0']);
    const url = await firstLine(watch);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { page, errors } = await open(url);
    await page.goto(url);
    await page.waitForSelector('text=No experiment or cell folder here yet', { timeout: WAIT_MS });

    const shards = [1, 2].map((i) => launch(['run', cfg, '--out', shared, '--shard', `${i}/2`, '--workers', '1', '--no-report', '--quiet']));
    // The folder page reloads when the experiment folder appears.
    await page.waitForSelector('a[href="/?dir=sweep"]', { timeout: WAIT_MS });
    await page.click('a[href="/?dir=sweep"]');
    await until(page, `document.querySelectorAll('tr[data-cell]').length === 3`);
    // The shard of the two short cells finishes; the other trains its long cell.
    const status = (id: string): string => `tr[data-cell="${id}"] [data-status]`;
    await page.waitForSelector(`${status('steps=2000')}[data-status="ok"]`, { timeout: WAIT_MS });
    await page.waitForSelector(`${status('steps=3000')}[data-status="ok"]`, { timeout: WAIT_MS });
    await page.waitForSelector(`${status('steps=5000000')}[data-status="running"]`, { timeout: WAIT_MS });
    await until(page, `Number(document.querySelector('tr[data-cell="steps=5000000"] progress').getAttribute('value')) > 0`);
    const rows = await page.locator('tr[data-cell]').evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-cell'), tr.querySelector('.shard')!.textContent, Number(tr.querySelector('progress')!.getAttribute('value'))]));
    expect(rows.map((r) => r[0])).toEqual(['steps=2000', 'steps=3000', 'steps=5000000']);
    const longShard = rows[2][1];
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['1/2', '2/2']));
    expect(rows[0][1]).toBe(rows[1][1]);
    expect(rows.slice(0, 2).map((r) => r[2])).toEqual([1, 1]);
    expect(rows[2][2]).toBeGreaterThan(0);
    expect(rows[2][2]).toBeLessThan(1);
    expect(await page.locator('#counts').textContent()).toBe('3 cells: 2 ok, 1 running');
    await page.screenshot({ path: join(SHOTS, 'watch-sweep.png'), fullPage: true });

    // Stop the shard that trains the long cell: the page shows it interrupted.
    const long = shards[Number(String(longShard).split('/')[0]) - 1];
    long.child.kill('SIGINT');
    expect((await exited(long)).code).toBe(130);
    await page.waitForSelector(`${status('steps=5000000')}[data-status="interrupted"]`, { timeout: WAIT_MS });
    const other = shards.find((s) => s !== long)!;
    expect((await exited(other)).code).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();

    watch.child.kill('SIGINT');
    expect((await exited(watch)).code).toBe(0);
    expect(outside).toEqual([]);
  });
});
