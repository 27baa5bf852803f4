import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES, ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA, type ActivationName } from '../../src/net/activations.js';
import { writeFigures } from '../../src/report/gallery.js';
import { countMarks, renderView } from '../../src/report/render.js';
import {
  GRID_POINTS, OTHER_ACTIVATIONS, POST_ACTIVATIONS, activationAnnotations, activationCurves, activationFigureSpec,
  figureDomain, figureParams, figureRows, grid,
} from '../../src/report/specs/figures.js';
import { POST_NOTES } from '../../src/report/text.js';

describe.each(ACTIVATION_NAMES.map((name) => ({ name })))('figure of $name', ({ name }) => {
  const p = figureParams(name);

  it('compiles and renders without a warning, drawing f and f\' on the whole grid', async () => {
    const { view, warnings } = await renderView(activationFigureSpec(name));
    expect(warnings).toEqual([]);
    const curves = activationCurves(name, p).length;
    const kinks = activationAnnotations(name, p).kinks.length;
    // f: one point per grid x per output; f': the same plus the extra point each kink split adds.
    expect(countMarks(view).line.items).toBe(2 * GRID_POINTS * curves + kinks);
    view.finalize();
  });

  it('draws exactly the engine\'s f and f\' (from the registry entry)', () => {
    const def = ACTIVATIONS[name];
    const rows = figureRows(name, p);
    const first = activationCurves(name, p)[0].label;
    const f = rows.f.filter((r) => r.curve === first);
    const xs = grid(figureDomain(name));
    expect(f.map((r) => r.x)).toEqual(xs);
    f.forEach((r, i) => expect(r.y).toBe(def.f(xs[i], p)));
    const kinkXs = new Set(activationAnnotations(name, p).kinks.map((k) => k.x));
    for (const r of rows.df.filter((d) => d.curve === first && !kinkXs.has(d.x))) expect(r.y).toBe(def.df(r.x, p));
  });

  it('marks each kink with the value the engine uses there', () => {
    for (const k of activationAnnotations(name, p).kinks) {
      if (k.curve === activationCurves(name, p)[0].label) expect(k.value).toBe(ACTIVATIONS[name].df(k.x, p));
      expect(k.left).not.toBeCloseTo(k.right, 6);
    }
  });
});

describe('the post\'s figures', () => {
  it('covers every registry activation, the post\'s first', () => {
    expect([...POST_ACTIVATIONS, ...OTHER_ACTIVATIONS].sort()).toEqual([...ACTIVATION_NAMES].sort());
    expect(OTHER_ACTIVATIONS).toEqual(['identity', 'softsign', 'gelu', 'silu']);
  });

  it.each([
    ['sigmoid', 0, 0.25],
    ['tanh', 0, 1],
    ['softsign', 0, 1],
    ['gelu', Math.SQRT2, ACTIVATIONS.gelu.maxDerivative({})],
    ['silu', 2.3994, ACTIVATIONS.silu.maxDerivative({})],
  ] as const)('annotates the peak of %s\' derivative at x = %f, f\' = %f', (name, x, v) => {
    const peak = activationAnnotations(name, figureParams(name)).peak!;
    expect(peak.x).toBeCloseTo(x, 3);
    expect(peak.value).toBeCloseTo(v, 8);
  });

  it.each(['relu', 'elu', 'identity', 'relu6', 'leaky_relu'] as const)('draws no peak where %s\' derivative is flat at its top', (name) => {
    expect(activationAnnotations(name, figureParams(name)).peak).toBeNull();
  });

  it('shades where sigmoid and tanh saturate, on both sides', () => {
    for (const name of ['sigmoid', 'tanh'] as const) {
      const bands = activationAnnotations(name, {}).bands;
      expect(bands.map((b) => b.kind)).toEqual(['saturates', 'saturates']);
      expect(bands[0].x0).toBe(-5);
      expect(bands[1].x1).toBe(5);
    }
    // sigmoid'(x) = 0.05 * 0.25 near |x| = 4.37.
    expect(activationAnnotations('sigmoid', {}).bands[1].x0).toBeCloseTo(4.37, 1);
  });

  it('does not call the minimum of GELU or SiLU, where f\' crosses 0, saturation', () => {
    for (const name of ['gelu', 'silu'] as const) {
      for (const b of activationAnnotations(name, {}).bands) expect(b.x0 === -5 || b.x1 === 5).toBe(true);
    }
  });

  it('shows ReLU\'s derivative as undefined at 0 with the engine\'s value 0 there', () => {
    const a = activationAnnotations('relu', {});
    expect(a.kinks).toHaveLength(1);
    expect(a.kinks[0]).toMatchObject({ x: 0, left: 0, right: 1, value: 0 });
    expect(a.bands).toEqual([expect.objectContaining({ x0: -5, kind: 'dead' })]);
    expect(a.bands[0].x1).toBeCloseTo(0, 1);
  });

  it('draws ReLU6 capped at 6 over [-5, 20], with kinks at 0 and 6', () => {
    expect(figureDomain('relu6')).toEqual([-5, 20]);
    const rows = figureRows('relu6', {});
    expect(rows.f.at(-1)).toMatchObject({ x: 20, y: 6 });
    expect(rows.f.find((r) => r.x === 10)!.y).toBe(6);
    expect(activationAnnotations('relu6', {}).kinks.map((k) => k.x)).toEqual([0, 6]);
  });

  it('draws SELU with lambda on both branches and its true asymptote -lambda*alpha', () => {
    const rows = figureRows('selu', {});
    const at2 = rows.f.find((r) => r.x === 2)!.y;
    expect(at2).toBeCloseTo(2 * SELU_LAMBDA, 12);
    const bounds = activationAnnotations('selu', {}).bounds;
    expect(bounds.map((b) => b.y)).toEqual([-SELU_LAMBDA * SELU_ALPHA]);
    expect(bounds[0].label).toMatch(/^asymptote/);
  });

  it('draws leaky ReLU with the post\'s alpha = 0.05 and labels the leak', () => {
    expect(figureParams('leaky_relu')).toEqual({ alpha: 0.05 });
    expect(activationAnnotations('leaky_relu', figureParams('leaky_relu')).leak?.label).toBe('leak: slope 0.05');
    expect(activationAnnotations('relu', {}).leak).toBeNull();
  });

  it('draws both outputs of CReLU', () => {
    const curves = activationCurves('crelu', {});
    expect(curves).toHaveLength(2);
    expect(curves[1].f(-3)).toBe(3);
    expect(curves[1].df(-3)).toBe(-1);
    expect(curves[1].df(3)).toBe(0);
  });

  it.each([
    ['selu', /λ/],
    ['relu6', /plain ReLU/],
    ['relu', /undefined/],
  ] as const)('notes where the post\'s %s code differs from its formula', (name, pattern) => {
    expect((POST_NOTES[name as ActivationName] ?? []).join(' ')).toMatch(pattern);
  });
});

describe('writeFigures', () => {
  let dir: string;
  let html: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gradflow-figures-'));
    html = await readFile(await writeFigures(join(dir, 'figures')), 'utf8');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one figure per activation with its static SVG', () => {
    for (const name of ACTIVATION_NAMES) {
      const id = `act-${name.replace(/_/g, '-')}`;
      const figure = html.match(new RegExp(`<figure class="chart" id="${id}">([\\s\\S]*?)</figure>`));
      expect(figure, id).not.toBeNull();
      expect(figure![1]).toMatch(/<noscript><svg[\s\S]*<\/svg><\/noscript>/);
    }
  });

  it('shows the corrections as notes beside the figures', () => {
    expect(html.match(/class="post-note"/g)).toHaveLength(
      Object.values(POST_NOTES).reduce((s, n) => s + (n?.length ?? 0), 0),
    );
  });

  it('writes the same bytes every time', async () => {
    expect(await readFile(await writeFigures(join(dir, 'figures')), 'utf8')).toBe(html);
  });
});
