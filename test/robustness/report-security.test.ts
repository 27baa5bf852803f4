/**
 * Reports escape every string from a config: a real run whose description and swept values
 * hold HTML and script renders them as text (the tags of the page are exactly those of a run
 * with harmless strings), and chromium shows them with no dialog and no console error.
 * (test/report/browser.test.ts does the same for hostile names written straight into a cell's
 * config.json, which a config file cannot hold: `name` must be a folder name.) Nothing from a
 * config is evaluated, and the paths it names resolve against its own folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/index.js';
import { readSafetensors } from '../../src/net/safetensors.js';
import { InputError, prepare } from '../../src/train/run.js';
import { safetensorsBytes } from '../data/write-safetensors.js';
import { gradflow, tmp, writeConfig } from './helpers.js';

const SCRIPT = '</script><script>window.__pwned = 1; alert(1)</script>';
const IMG = '<img src=x onerror="window.__pwned = 2; alert(2)">';
const DESCRIPTION = `${SCRIPT} & ${IMG} "quoted" 'single' \${process.exit(1)} {{constructor.constructor('alert(3)')()}}`;

const config = (description: string, values: readonly string[]) => ({
  name: 'hostile',
  description,
  data: { kind: 'moons', samples: 120 },
  model: { depth: 2, width: 6 },
  train: { steps: 20, batchSize: 16 },
  metrics: { every: 5, probe: 16, histogramsEvery: 10 },
  // `description` may be swept: these strings reach the sweep table and the cell reports.
  sweep: { description: values },
});

/** The tag names of an HTML page, in order. */
const tags = (html: string): string[] => [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[0]);

describe('reports of a run whose config holds HTML and script', () => {
  let hostile: string;
  let benign: string;

  beforeAll(async () => {
    const dir = tmp();
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    const [ra, rb] = await Promise.all([
      gradflow(['run', writeConfig(a, config(DESCRIPTION, [IMG, SCRIPT])), '--out', join(a, 'results'), '--workers', '1', '--quiet']),
      gradflow(['run', writeConfig(b, config('plain words', ['one', 'two'])), '--out', join(b, 'results'), '--workers', '1', '--quiet']),
    ]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    hostile = join(a, 'results/hostile');
    benign = join(b, 'results/hostile');
  });

  it('keeps the strings out of the markup: the same tags as a harmless run, the strings escaped', () => {
    for (const page of ['report.html']) {
      const html = readFileSync(join(hostile, page), 'utf8');
      expect(tags(html)).toEqual(tags(readFileSync(join(benign, page), 'utf8')));
      // (The inlined vega bundles hold markup of their own, identical in both pages, so the tags are compared, not searched.)
      for (const raw of [SCRIPT, IMG, 'onerror="window', '<script>window']) expect(html).not.toContain(raw);
      expect(html).toContain('&lt;img src=x onerror=&quot;window.__pwned = 2; alert(2)&quot;&gt;');
    }
  });

  it('escapes them in each cell report too', () => {
    const cells = JSON.parse(readFileSync(join(hostile, 'index.json'), 'utf8')).cells as { id: string }[];
    const benignCells = JSON.parse(readFileSync(join(benign, 'index.json'), 'utf8')).cells as { id: string }[];
    expect(cells).toHaveLength(2);
    // Cell ids are folder names: the hostile characters are replaced.
    for (const c of cells) expect(c.id).toMatch(/^description=[A-Za-z0-9._+-]+$/);
    cells.forEach((c, i) => {
      const html = readFileSync(join(hostile, c.id, 'report.html'), 'utf8');
      expect(tags(html)).toEqual(tags(readFileSync(join(benign, benignCells[i].id, 'report.html'), 'utf8')));
      expect(html).not.toContain(IMG);
      expect(html).not.toContain('<script>window');
    });
  });

  it.skipIf(process.env.GRADFLOW_SKIP_BROWSER === '1')('shows them as text in chromium: no dialog, no console error, nothing run', async () => {
    const browser = await chromium.launch({
      executablePath: process.env.GRADFLOW_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      const errors: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route('**/*', (route) => (/^(file|data):/.test(route.request().url()) ? route.continue() : route.abort()));
      const cells = JSON.parse(readFileSync(join(hostile, 'index.json'), 'utf8')).cells as { id: string }[];
      // The sweep report shows the first cell's description; each cell report its own.
      const pages: [string, string][] = [['report.html', IMG], ...cells.map((c, i): [string, string] => [join(c.id, 'report.html'), [IMG, SCRIPT][i]])];
      for (const [file, shown] of pages) {
        await page.goto(pathToFileURL(join(hostile, file)).href);
        await page.waitForSelector('body[data-charts]', { timeout: 60_000 });
        expect(await page.locator('header .desc').textContent(), file).toBe(shown);
        expect(await page.locator('img').count(), file).toBe(0);
      }
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    } finally {
      await browser.close();
    }
  });
});

describe('what a config can make gradflow do', () => {
  it('refuses a name that is not a plain folder name, so no markup or path can come through it', () => {
    for (const name of ['<script>alert(1)</script>', '../outside', '/etc', 'a b']) {
      expect(() => resolveConfig({ name, data: { kind: 'moons' } })).toThrow(ConfigError);
    }
  });

  it('evaluates nothing: prototype keys are unknown keys, code-like strings stay strings', () => {
    const dir = tmp();
    const file = join(dir, 'c.json');
    writeFileSync(
      file,
      '{"name": "x", "data": {"kind": "moons"}, "__proto__": {"polluted": 1}, "model": {"constructor": {"prototype": {"polluted": 2}}},' +
        ' "sweep": {"model.activation": ["relu", "require(\'child_process\').execSync(\'touch pwned\')"]}}',
    );
    let err: unknown;
    try {
      prepare([file], { out: join(dir, 'results'), set: ['description=${process.exit(3)}'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const messages = (err as InputError).messages;
    expect(messages).toContain('__proto__: unknown key; allowed keys: $schema, name, description, seed, seeds, data, model, train, metrics, sweep');
    expect(messages.some((m) => m.startsWith('model.constructor: unknown key'))).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
  });

  it('resolves data.path and model.initFrom against the config file, wherever the command runs', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'configs'));
    mkdirSync(join(dir, 'data'));
    const n = 40;
    writeFileSync(join(dir, 'data/d.safetensors'), safetensorsBytes({
      x: { dtype: 'F32', shape: [n, 2], data: Array.from({ length: 2 * n }, (_, i) => Math.sin(i)) },
      y: { dtype: 'I32', shape: [n], data: Array.from({ length: n }, (_, i) => i % 2) },
    }));
    writeFileSync(join(dir, 'w.safetensors'), safetensorsBytes({
      'layers.0.weight': { dtype: 'F32', shape: [3, 2], data: [0.1, -0.2, 0.3, 0.2, -0.1, 0.05] },
      'layers.0.bias': { dtype: 'F32', shape: [3], data: [0, 0, 0] },
      'layers.1.weight': { dtype: 'F32', shape: [2, 3], data: [0.2, 0.1, -0.3, -0.2, 0.3, 0.1] },
      'layers.1.bias': { dtype: 'F32', shape: [2], data: [0, 0] },
    }));
    writeConfig(join(dir, 'configs'), {
      name: 'paths',
      data: { kind: 'tensors', path: '../data/d.safetensors' },
      model: { depth: 1, width: 3, initFrom: '../w.safetensors' },
      train: { steps: 3, batchSize: 8, saveWeights: [0] },
      metrics: { every: 1, probe: 8, histogramsEvery: null },
    }, 'c.json');
    const elsewhere = tmp();
    const r = await gradflow(['run', join(dir, 'configs/c.json'), '--out', join(elsewhere, 'results'), '--no-report', '--workers', '1', '--quiet'], { cwd: elsewhere });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(elsewhere, 'results/paths/run/summary.json'), 'utf8'))).toMatchObject({ status: 'ok', task: 'classification' });
    // The run started from ../w.safetensors: the weights saved at step 0 are those of the file.
    const w0 = readSafetensors(join(elsewhere, 'results/paths/run/weights-step0.safetensors')).tensors.get('layers.0.weight')!;
    expect(Array.from(w0.data as Float32Array)).toEqual(Array.from(Float32Array.from([0.1, -0.2, 0.3, 0.2, -0.1, 0.05])));
  });
});
