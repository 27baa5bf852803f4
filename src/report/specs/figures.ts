/**
 * The post's figures, computed from the activation registry (src/net/activations.ts) so the
 * pictures and the engine cannot disagree: each activation's f and f' on a grid of 401 points
 * over [-5, 5] ([-5, 20] for ReLU6), with annotations derived from the same entries:
 *
 *   bands   where max over outputs |f'(x)| < 5% of maxDerivative (the "saturated" threshold of
 *           the run metrics) up to an end of the range; "dead" when f' is exactly 0 there
 *   peak    a strict maximum of |f'| on the grid, refined by golden-section search
 *   bounds  the finite ends of `range(p)`: asymptotes when open, bounds when attained
 *   kinks   grid points where the one-sided derivatives differ; f' is drawn broken there, with
 *           rings at the one-sided limits and a dot at the value the engine uses
 *   leak    a constant slope 0 < |c| < 1 for x < 0 (leaky ReLU, PReLU)
 */
import { ACTIVATIONS, ACTIVATION_NAMES, activationParams, type ActivationName, type ParamValues } from '../../net/activations.js';
import { AXIS, FIGURES, SERIES } from '../text.js';
import { EXACT, PANEL_HEIGHT, PANEL_WIDTH, specHead, title, type LayerItem, type Spec } from './common.js';

/** The activations the post discusses, in its order; the gallery shows them first. */
export const POST_ACTIVATIONS = [
  'sigmoid', 'tanh', 'relu', 'leaky_relu', 'prelu', 'elu', 'selu', 'crelu', 'relu6',
] as const satisfies readonly ActivationName[];

/** The other registry entries, in registry order (a new activation shows up here by itself). */
export const OTHER_ACTIVATIONS: readonly ActivationName[] = ACTIVATION_NAMES.filter(
  (n) => !(POST_ACTIVATIONS as readonly ActivationName[]).includes(n),
);

/** x range of an activation's figure: the post's [-5, 5], and [-5, 20] for ReLU6 so its cap shows. */
export function figureDomain(name: ActivationName): [number, number] {
  return name === 'relu6' ? [-5, 20] : [-5, 5];
}

/** Parameters a figure is drawn with: the registry defaults, except leaky ReLU's alpha = 0.05 as in the post's figure. */
export function figureParams(name: ActivationName): ParamValues {
  return activationParams(name, name === 'leaky_relu' ? { alpha: 0.05 } : {});
}

export const GRID_POINTS = 401;

interface Curve {
  readonly label: string;
  readonly f: (x: number) => number;
  readonly df: (x: number) => number;
}

/** The outputs of an activation: one, or CReLU's two halves relu(x) and relu(-x) (d/dx = -relu'(-x)). */
export function activationCurves(name: ActivationName, p: ParamValues): Curve[] {
  const def = ACTIVATIONS[name];
  if (def.widthFactor === 2) {
    return [
      { label: SERIES.posHalf, f: (x) => def.f(x, p), df: (x) => def.df(x, p) },
      { label: SERIES.negHalf, f: (x) => def.f(-x, p), df: (x) => (def.df(-x, p) === 0 ? 0 : -def.df(-x, p)) },
    ];
  }
  return [{ label: name, f: (x) => def.f(x, p), df: (x) => def.df(x, p) }];
}

export function grid(domain: readonly [number, number], n = GRID_POINTS): number[] {
  const [lo, hi] = domain;
  return Array.from({ length: n }, (_, i) => Number((lo + ((hi - lo) * i) / (n - 1)).toPrecision(12)));
}

export interface Band { readonly x0: number; readonly x1: number; readonly kind: 'saturates' | 'dead'; readonly label: string }
export interface Kink { readonly curve: string; readonly x: number; readonly left: number; readonly right: number; readonly value: number; readonly label: string }
export interface Annotations {
  readonly bands: readonly Band[];
  readonly peak: { readonly x: number; readonly value: number; readonly label: string } | null;
  readonly bounds: readonly { readonly y: number; readonly label: string }[];
  readonly kinks: readonly Kink[];
  readonly leak: { readonly x: number; readonly y: number; readonly label: string } | null;
}

const H = 1e-7;
const isKink = (df: (x: number) => number, x: number): boolean => {
  const l = df(x - H);
  const r = df(x + H);
  return Math.abs(l - r) > 1e-4 * Math.max(1, Math.abs(l), Math.abs(r));
};

/** Maximises g on [a, b] (golden-section search, g unimodal there). */
function goldenMax(g: (x: number) => number, a: number, b: number): number {
  const phi = (Math.sqrt(5) - 1) / 2;
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  for (let i = 0; i < 80; i++) {
    if (g(c) > g(d)) b = d;
    else a = c;
    c = b - phi * (b - a);
    d = a + phi * (b - a);
  }
  return (a + b) / 2;
}

export function activationAnnotations(name: ActivationName, p: ParamValues, domain = figureDomain(name)): Annotations {
  const def = ACTIVATIONS[name];
  const curves = activationCurves(name, p);
  const xs = grid(domain);
  const step = xs[1] - xs[0];
  const peakValue = def.maxDerivative(p);

  // Bands: runs of grid points where every output's |f'| is below 5% of the peak.
  const bands: Band[] = [];
  const s = xs.map((x) => Math.max(...curves.map((c) => Math.abs(c.df(x)))));
  for (let i = 0; i < xs.length; ) {
    if (!(s[i] < 0.05 * peakValue)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < xs.length && s[j + 1] < 0.05 * peakValue) j++;
    // Only runs that reach an end of the range: f flattening toward +-inf. An interior run is f'
    // crossing 0 at a minimum (GELU, SiLU), not saturation.
    if (j > i && (i === 0 || j === xs.length - 1)) {
      const dead = s.slice(i, j + 1).every((v) => v === 0);
      bands.push({
        x0: Math.max(domain[0], xs[i] - (i > 0 ? step / 2 : 0)),
        x1: Math.min(domain[1], xs[j] + (j < xs.length - 1 ? step / 2 : 0)),
        kind: dead ? 'dead' : 'saturates',
        label: dead ? FIGURES.deadZone : FIGURES.saturates,
      });
    }
    i = j + 1;
  }

  const kinks: Kink[] = [];
  for (const c of curves) {
    for (const x of xs) {
      if (isKink(c.df, x)) {
        const value = c.df(x);
        kinks.push({ curve: c.label, x, left: c.df(x - H), right: c.df(x + H), value, label: FIGURES.kink(x, value) });
      }
    }
  }

  // Peak of |f'| of the first output: annotated only when strict (not a plateau).
  const main = curves[0];
  const a = xs.map((x) => Math.abs(main.df(x)));
  const top = Math.max(...a);
  const at = a.indexOf(top);
  const ties = a.filter((v) => v >= top - 1e-12).length;
  let peak: Annotations['peak'] = null;
  // A peak at a kink is the kink's convention value, which the kink marker already labels.
  if (ties === 1 && at > 0 && at < xs.length - 1 && !isKink(main.df, xs[at])) {
    // Rounded to 1e-6 so a peak at 0 reads 0, not the search's 1e-8.
    const x = Math.round(goldenMax((t) => Math.abs(main.df(t)), xs[at - 1], xs[at + 1]) * 1e6) / 1e6 + 0;
    const value = main.df(x);
    peak = { x, value, label: FIGURES.peak(x, value) };
  }

  const fs = curves.flatMap((c) => xs.map((x) => c.f(x)));
  const fMin = Math.min(...fs);
  const fMax = Math.max(...fs);
  const pad = 0.25 * (fMax - fMin);
  const r = def.range(p);
  const bounds: { y: number; label: string }[] = [];
  for (const [y, closed] of [[r.lo, r.loClosed], [r.hi, r.hiClosed]] as const) {
    if (Number.isFinite(y) && y >= fMin - pad && y <= fMax + pad) bounds.push({ y, label: FIGURES.bound(closed ? 'bound' : 'asymptote', y) });
  }

  let leak: Annotations['leak'] = null;
  const slope = main.df(-1);
  if (main.df(-4) === slope && main.df(-0.5) === slope && slope !== 0 && Math.abs(slope) < 1) {
    const x = domain[0] + 0.3 * (0 - domain[0]);
    leak = { x, y: main.f(x), label: FIGURES.leak(slope) };
  }
  return { bands, peak, bounds, kinks, leak };
}

/** Rows of f and of f' (f' split into segments at kinks so no vertical jump is drawn). */
export function figureRows(name: ActivationName, p: ParamValues, domain = figureDomain(name)) {
  const xs = grid(domain);
  const f: { x: number; y: number; curve: string }[] = [];
  const df: { x: number; y: number; curve: string; seg: number }[] = [];
  for (const c of activationCurves(name, p)) {
    let seg = 0;
    for (const x of xs) {
      f.push({ x, y: c.f(x), curve: c.label });
      if (isKink(c.df, x)) {
        df.push({ x, y: c.df(x - H), curve: c.label, seg });
        seg++;
        df.push({ x, y: c.df(x + H), curve: c.label, seg });
      } else df.push({ x, y: c.df(x), curve: c.label, seg });
    }
  }
  return { f, df };
}

const BAND_COLOR = { saturates: '#f2b447', dead: '#9e9e9e' } as const;

interface ColorEncoding {
  readonly field: 'curve';
  readonly type: 'nominal';
  readonly title: string;
  readonly scale: { readonly domain: string[]; readonly range: string[] };
  readonly legend: { readonly orient: 'bottom' } | null;
}

/** Shaded saturating and dead ranges of x, labelled (upright when narrower than 60 px). */
function bandLayersOf(ann: Annotations, domain: readonly [number, number]): LayerItem[] {
  return ann.bands.length
    ? [
        {
          data: { values: ann.bands.map((b) => ({ ...b, fill: BAND_COLOR[b.kind] })) },
          mark: { type: 'rect', opacity: 0.2 },
          // scale: null draws the colour value itself, so bands do not share the curves' colour scale.
          encoding: { x: { field: 'x0', type: 'quantitative' }, x2: { field: 'x1' }, fill: { field: 'fill', type: 'nominal', scale: null } },
        },
        ...([false, true] as const).flatMap((vertical): LayerItem[] => {
          // Narrow bands (under 60 px) get their label turned upright so it stays inside the band.
          const bands = ann.bands.filter((b) => ((b.x1 - b.x0) / (domain[1] - domain[0])) * PANEL_WIDTH < 60 === vertical);
          return bands.length
            ? [{
                data: { values: bands.map((b) => ({ ...b, mid: (b.x0 + b.x1) / 2 })) },
                mark: { type: 'text', y: PANEL_HEIGHT / 2, angle: vertical ? 270 : 0, fontSize: 11, fontStyle: 'italic', color: '#6b4a00' },
                encoding: { x: { field: 'mid', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
              }]
            : [];
        }),
      ]
    : [];
}

/** Dashed rules at the bounds of f, labelled. */
function boundLayers(ann: Annotations): LayerItem[] {
  return ann.bounds.length
    ? [
        {
          data: { values: ann.bounds.map((b) => ({ ...b })) },
          mark: { type: 'rule' as const, strokeDash: [5, 4], color: '#555' },
          encoding: { y: { field: 'y', type: 'quantitative' as const } },
        },
        {
          data: { values: ann.bounds.map((b) => ({ ...b })) },
          mark: { type: 'text' as const, align: 'right' as const, baseline: 'bottom' as const, x: 'width' as const, dx: -3, dy: -2, fontSize: 10, color: '#555' },
          encoding: { y: { field: 'y', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
        },
      ]
    : [];
}

/** f' at each kink: the one-sided limits as rings, the value the code uses as a dot, labelled. */
function kinkLayers(ann: Annotations, color: ColorEncoding, dfMid: number): LayerItem[] {
  const kinkRings = ann.kinks.flatMap((k) => [{ x: k.x, y: k.left, curve: k.curve }, { x: k.x, y: k.right, curve: k.curve }]);
  return ann.kinks.length
    ? [
        {
          data: { values: kinkRings },
          mark: { type: 'point' as const, filled: false, size: 50, strokeWidth: 1.5, fill: 'white' },
          encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const }, color },
        },
        {
          data: { values: ann.kinks.map((k) => ({ ...k })) },
          mark: { type: 'point' as const, filled: true, size: 55 },
          encoding: {
            x: { field: 'x', type: 'quantitative' as const },
            y: { field: 'value', type: 'quantitative' as const },
            color,
            tooltip: [{ field: 'label', type: 'nominal' as const, title: AXIS.dfx }],
          },
        },
        // One label per kink position, stacked so neighbouring kinks (ReLU6's 0 and 6) do not overlap;
        // above the dot in the lower half of the panel, below it in the upper half.
        ...ann.kinks.filter((k, i, all) => all.findIndex((o) => o.x === k.x) === i).map((k, i): LayerItem => ({
          data: { values: [{ ...k }] },
          mark: { type: 'text', align: 'left', dx: 6, dy: (k.value <= dfMid ? -1 : 1) * (12 + 14 * i), fontSize: 11 },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'value', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
        })),
      ]
    : [];
}

/** The peak of f', marked and labelled. */
function peakLayers(ann: Annotations): LayerItem[] {
  return ann.peak
    ? [
        {
          data: { values: [{ ...ann.peak }] },
          mark: { type: 'point' as const, filled: true, size: 70, color: 'black', shape: 'diamond' },
          encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'value', type: 'quantitative' as const }, tooltip: [{ field: 'label', type: 'nominal' as const, title: AXIS.dfx }] },
        },
        {
          data: { values: [{ ...ann.peak }] },
          mark: { type: 'text' as const, dy: -12, fontSize: 11, fontWeight: 'bold' as const },
          encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'value', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
        },
      ]
    : [];
}

/** f (left) and f' (right) of one activation with its annotations. */
export function activationFigureSpec(name: ActivationName, options: { params?: ParamValues; domain?: [number, number] } = {}): Spec {
  const p = options.params ?? figureParams(name);
  const domain = options.domain ?? figureDomain(name);
  const rows = figureRows(name, p, domain);
  const ann = activationAnnotations(name, p, domain);
  const curves = activationCurves(name, p).map((c) => c.label);
  const x = { field: 'x', type: 'quantitative' as const, title: AXIS.x, scale: { domain, nice: false } };
  const color: ColorEncoding = {
    field: 'curve', type: 'nominal' as const, title: AXIS.curve,
    scale: { domain: curves, range: ['#1f5fa8', '#d1495b'] },
    legend: curves.length > 1 ? { orient: 'bottom' as const } : null,
  };
  const bandLayers = bandLayersOf(ann, domain);
  const fPanel = {
    title: FIGURES.fPanel,
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    layer: [
      ...bandLayers,
      ...boundLayers(ann),
      {
        data: { values: rows.f },
        mark: { type: 'line', strokeWidth: 2.2 },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: AXIS.fx },
          color,
          tooltip: [
            { field: 'curve', type: 'nominal', title: AXIS.curve },
            { field: 'x', type: 'quantitative', title: AXIS.x, format: EXACT },
            { field: 'y', type: 'quantitative', title: AXIS.fx, format: EXACT },
          ],
        },
      },
      ...(ann.leak
        ? [{
            data: { values: [{ ...ann.leak }] },
            mark: { type: 'text' as const, dy: -14, fontSize: 11, fontStyle: 'italic' as const },
            encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
          }]
        : []),
    ],
  } satisfies LayerItem & { title: string };
  const dfs = rows.df.map((r) => r.y);
  const dfMid = (Math.min(...dfs) + Math.max(...dfs)) / 2;
  const dfPanel = {
    title: FIGURES.dfPanel,
    width: PANEL_WIDTH,
    height: PANEL_HEIGHT,
    layer: [
      ...bandLayers,
      {
        data: { values: rows.df },
        mark: { type: 'line', strokeWidth: 2.2 },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: AXIS.dfx },
          color,
          detail: { field: 'seg', type: 'nominal' },
          tooltip: [
            { field: 'curve', type: 'nominal', title: AXIS.curve },
            { field: 'x', type: 'quantitative', title: AXIS.x, format: EXACT },
            { field: 'y', type: 'quantitative', title: AXIS.dfx, format: EXACT },
          ],
        },
      },
      ...kinkLayers(ann, color, dfMid),
      ...peakLayers(ann),
    ],
  } satisfies LayerItem & { title: string };
  return {
    ...specHead(FIGURES.chartTitle(name), FIGURES.caption(ACTIVATIONS[name].formula, rangeText(name, p))),
    hconcat: [fPanel, dfPanel],
    resolve: { scale: { color: 'shared' } },
  };
}

/** "(0, 1)", "[0, ∞)", "(-1.758, ∞)". */
export function rangeText(name: ActivationName, p: ParamValues): string {
  const r = ACTIVATIONS[name].range(p);
  const v = (x: number): string => (x === Infinity ? '∞' : x === -Infinity ? '-∞' : String(Number(x.toPrecision(4))));
  return `${r.loClosed ? '[' : '('}${v(r.lo)}, ${v(r.hi)}${r.hiClosed ? ']' : ')'}`;
}
