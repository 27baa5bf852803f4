/**
 * SELU (Klambauer et al. 2017): its (0, 1) fixed point and its pull (identities, by Gauss
 * quadrature), the post's code with lambda on the negative branch only (an erratum, measured by
 * quadrature and in a random deep stack), and self-normalisation in wide networks (empirical,
 * at the verdict width, with the width sweep beside it).
 *
 * Domain departure of one run, over its hidden layers at step 0 (the domain of Theorem 1 is
 * |mean| <= m, v0 <= variance <= v1):
 *   D = max_l max(|mean_l| - m, v0 - var_l, var_l - v1)    (D < 0: every layer inside)
 */
import { z } from 'zod';
import type { LayerRecord } from '../../metrics/types.js';
import { expectNormal } from '../../metrics/theory.js';
import { SELU_ALPHA, SELU_LAMBDA, ACTIVATIONS } from '../../net/activations.js';
import { createRng } from '../../net/rng.js';
import { lineChart, sweepChart } from '../../report/specs/claims.js';
import { grid, seluIterates, seluMoments } from '../analytic.js';
import { atMost, fmtNum, layersAt } from '../predicates.js';
import * as prose from '../prose.js';
import { cellAt, widthsOf, type ArmRuns } from '../runs.js';
import { AXES } from '../text.js';
import type { Figure } from '../types.js';
import { perSeed, profileFigure } from './common.js';
import { empirical, identity } from './types.js';

/** Mean and variance of f(z), z ~ N(0, nu), by quadrature split at the kink 0. */
export function momentsOf(f: (x: number) => number, nu: number): { mean: number; variance: number } {
  const m = expectNormal(f, nu, [0]);
  return { mean: m, variance: expectNormal((x) => f(x) ** 2, nu, [0]) - m * m };
}

/** The post's SELU code: lambda alpha (e^x - 1) for x < 0, but plain x (no lambda) for x >= 0. */
export const postSelu = (x: number): number => (x < 0 ? SELU_LAMBDA * SELU_ALPHA * Math.expm1(x) : x);
const selu = (x: number): number => ACTIVATIONS.selu.f(x, {});

/** Iterates nu -> Var[f(sqrt(nu) z)] (normalised weights: sum w = 0, sum w^2 = 1) from nu0. */
export function varianceMap(f: (x: number) => number, nu0: number, iterations: number): { nu: number; mean: number }[] {
  const out: { nu: number; mean: number }[] = [];
  let nu = nu0;
  for (let k = 0; k < iterations; k++) {
    const m = momentsOf(f, nu);
    out.push({ nu: m.variance, mean: m.mean });
    nu = m.variance;
  }
  return out;
}

/**
 * A random deep stack in float64: x ~ N(0, I), W_l ~ N(0, 1/width) (LeCun normal), zero biases,
 * a_l = f(W_l a_{l-1}); the mean and variance of each layer's activations over units and rows.
 */
export function stackStats(f: (x: number) => number, o: { width: number; depth: number; rows: number; seed: number }): { mean: number; variance: number }[] {
  const rng = createRng(o.seed).fork('stack');
  const n = o.width;
  let a = new Float64Array(o.rows * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  const out: { mean: number; variance: number }[] = [];
  const w = new Float64Array(n * n);
  for (let l = 0; l < o.depth; l++) {
    const sd = 1 / Math.sqrt(n);
    for (let i = 0; i < w.length; i++) w[i] = sd * rng.normal();
    const next = new Float64Array(o.rows * n);
    for (let r = 0; r < o.rows; r++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += w[j * n + i] * a[r * n + i];
        next[r * n + j] = f(s);
      }
    }
    let m = 0;
    for (const v of next) m += v;
    m /= next.length;
    let v2 = 0;
    for (const v of next) v2 += (v - m) ** 2;
    out.push({ mean: m, variance: v2 / next.length });
    a = next;
  }
  return out;
}

export const seluFixedPoint = identity({
  doc: 'Mean and variance of selu(z), z ~ N(0, 1), by quadrature.',
  roles: {},
  thresholds: ['tol'],
  params: z.strictObject({}),
  evaluate({ t }) {
    const m = seluMoments(1);
    const nus = [...grid(0.05, 3, 0.05)];
    const measures = [atMost('|E[selu(z)]|, z ~ N(0, 1)', Math.abs(m.mean), t.tol), atMost('|Var[selu(z)] - 1|', Math.abs(m.variance - 1), t.tol)];
    return {
      measures,
      info: [`E = ${m.mean.toExponential(3)}, Var = ${m.variance.toPrecision(12)}`],
      figures: [{
        spec: lineChart({
          title: 'SELU’s variance map',
          description: 'Var[selu(sqrt(nu) z)] against the input variance nu, with the identity line.',
          rows: [...nus.map((nu) => ({ series: 'Var[selu(√ν z)]', x: nu, y: seluMoments(nu).variance })), ...nus.map((nu) => ({ series: 'identity', x: nu, y: nu }))],
          xTitle: AXES.nu, yTitle: AXES.variance, seriesTitle: 'curve', rules: [{ x: 1, label: 'ν = 1' }],
        }),
        caption: prose.measuresCaption(`The variance map against the identity line; at ν = 1 it gives mean ${fmtNum(m.mean)} and variance ${m.variance.toPrecision(8)}`, measures),
      }],
    };
  },
});

export const seluAttracts = identity({
  doc: 'Iterates of the SELU variance map from other starts.',
  roles: {},
  thresholds: ['tol'],
  params: z.strictObject({ starts: z.array(z.number().positive()).min(1), iterations: z.int().min(1) }),
  evaluate({ params: p, t }) {
    const runs = p.starts.map((s) => ({ s, it: seluIterates(s, p.iterations) }));
    const measures = runs.flatMap(({ s, it }) => {
      const last = it[it.length - 1];
      return [atMost(`from ν = ${s}: |ν - 1| after ${p.iterations} layers`, Math.abs(last.variance - 1), t.tol), atMost(`from ν = ${s}: |mean| after ${p.iterations} layers`, Math.abs(last.mean), t.tol)];
    });
    return {
      measures,
      figures: [{
        spec: lineChart({
          title: 'SELU’s variance through the layers',
          description: 'The variance of each layer when every layer applies the SELU map with normalised weights.',
          rows: runs.flatMap(({ s, it }) => it.map((r) => ({ series: `start ν = ${s}`, x: r.k, y: r.variance }))),
          xTitle: AXES.iteration, xIntegers: true, yTitle: AXES.variance, seriesTitle: 'start', points: true, rules: [{ y: 1, label: 'ν = 1' }],
        }),
        caption: prose.measuresCaption(`The variance map iterated ${p.iterations} times from ${p.starts.join(' and ')}; the last variances are ${runs.map(({ it }) => fmtNum(it[it.length - 1].variance)).join(' and ')}`, measures),
      }],
    };
  },
});

export const postSeluCode = identity({
  doc: "The post's SELU code (lambda on x < 0 only): its moments at N(0, 1), the fixed point of its variance map, and a random deep stack of it.",
  roles: {},
  thresholds: ['tol', 'maxAbsMean', 'minVar', 'maxVar'],
  params: z.strictObject({ width: z.int().min(8), depth: z.int().min(2), rows: z.int().min(8), iterations: z.int().min(1) }),
  evaluate({ params: p, t, seedBase }) {
    const at1 = momentsOf(postSelu, 1);
    const fixed = varianceMap(postSelu, 1, p.iterations).at(-1)!;
    const post = stackStats(postSelu, { ...p, seed: seedBase });
    const ok = stackStats(selu, { ...p, seed: seedBase });
    const last = post[post.length - 1];
    const measures = [
      atMost("post's code: |E[f(z)]|, z ~ N(0, 1)", Math.abs(at1.mean), t.tol),
      atMost("post's code: |Var[f(z)] - 1|", Math.abs(at1.variance - 1), t.tol),
      atMost(`post's code, random stack: |mean| of layer ${p.depth}`, Math.abs(last.mean), t.maxAbsMean),
      atMost(`post's code, random stack: distance of the variance of layer ${p.depth} from [${t.minVar}, ${t.maxVar}]`, Math.max(0, t.minVar - last.variance, last.variance - t.maxVar), 0),
    ];
    const okLast = ok[ok.length - 1];
    const rows = [
      ...post.map((r, l) => ({ series: "post's code: variance", x: l, y: r.variance })),
      ...post.map((r, l) => ({ series: "post's code: mean", x: l, y: r.mean })),
      ...ok.map((r, l) => ({ series: 'selu: variance', x: l, y: r.variance })),
      ...ok.map((r, l) => ({ series: 'selu: mean', x: l, y: r.mean })),
    ];
    const figures: Figure[] = [{
      spec: lineChart({
        title: "The post's SELU code against SELU in a random deep stack",
        description: `Mean and variance of each layer's activations, width ${p.width}, LeCun-normal weights, ${p.rows} N(0, I) inputs, float64.`,
        rows, xTitle: AXES.layer, xIntegers: true, yTitle: AXES.moment, seriesTitle: 'curve', rules: [{ y: 1, label: '1' }, { y: 0, label: '0' }],
      }),
      caption: prose.measuresCaption(
        `At layer ${p.depth} the post's code has mean ${fmtNum(last.mean)} and variance ${fmtNum(last.variance)}; selu has mean ${fmtNum(okLast.mean)} and variance ${fmtNum(okLast.variance)}. The fixed point of the post's variance map is at variance ${fmtNum(fixed.nu)}, mean ${fmtNum(fixed.mean)}`,
        measures,
      ),
    }];
    return {
      measures,
      info: [
        `post's code at N(0, 1): mean ${fmtNum(at1.mean)}, variance ${fmtNum(at1.variance)}`,
        `fixed point of its variance map (normalised weights, ${p.iterations} iterations from 1): variance ${fmtNum(fixed.nu)}, mean ${fmtNum(fixed.mean)}`,
      ],
      figures,
    };
  },
});

const domainParams = z.strictObject({ width: z.int().min(1), maxAbsMean: z.number().positive(), minVar: z.number().positive(), maxVar: z.number().positive() });
type Domain = z.output<typeof domainParams>;

/** D of a run's hidden layers at step 0 (null without layers). */
export function domainDeparture(layers: readonly LayerRecord[], d: Domain): number | null {
  let worst = -Infinity;
  for (const l of layers) {
    if (l.actMean === undefined || l.actStd === undefined) return null;
    const v = l.actStd ** 2;
    worst = Math.max(worst, Math.abs(l.actMean) - d.maxAbsMean, d.minVar - v, v - d.maxVar);
  }
  return layers.length && Number.isFinite(worst) ? worst : null;
}

/** D at the exact fixed point (0, 1): max(-m, v0 - 1, 1 - v1). */
const fixedPointDeparture = (d: Domain): number => Math.max(-d.maxAbsMean, d.minVar - 1, 1 - d.maxVar);

function sweepFigure(a: ArmRuns, d: Domain): Figure {
  const widths = widthsOf(a);
  const points = a.cells.map((c) => ({ width: c.width, seed: c.seed, value: domainDeparture(layersAt(c, 'initial'), d) }));
  const theory = widths.map((w) => ({ width: w, value: fixedPointDeparture(d) }));
  const rows = widths.map((w) => {
    const vs = points.filter((p) => p.width === w && p.value !== null).map((p) => p.value!);
    return { width: w, measured: vs.length ? vs.reduce((s, x) => s + x, 0) / vs.length : null, theory: fixedPointDeparture(d) };
  });
  return {
    spec: sweepChart({
      title: `Departure from the SELU domain, ${a.ref}, over width`, description: 'D per run (largest departure of a hidden layer from the domain of Theorem 1; below 0: inside).',
      points, theory, yTitle: AXES.departure, rules: [{ y: 0, label: 'domain edge' }],
    }),
    caption: prose.sweepCaption('The largest departure D of a hidden layer from the domain', rows),
  };
}

export const selfNormalising = empirical({
  doc: 'Largest departure of a hidden layer from the SELU domain at step 0, per seed, at the verdict width; the width sweep beside it.',
  roles: { net: 'one' },
  params: domainParams,
  evaluate({ params: p, arm, seeds }) {
    const a = arm('net');
    const first = cellAt(a, seeds[0], p.width);
    return {
      samples: perSeed(seeds, (s) => ({ value: domainDeparture(layersAt(cellAt(a, s, p.width), 'initial'), p), note: 'no per-layer statistics' })),
      figures: [
        sweepFigure(a, p),
        profileFigure({
          title: `Activation variance per layer, width ${p.width}, seed ${seeds[0]}`, what: 'Activation variance on the probe batch at step 0',
          yTitle: AXES.variance, series: [{ name: a.ref, layers: layersAt(first, 'initial') }], f: (l) => (l.actStd === undefined ? undefined : l.actStd ** 2),
          band: { y0: p.minVar, y1: p.maxVar, label: 'domain' },
        }),
      ],
    };
  },
});

export const leavesDomain = empirical({
  doc: 'The smallest departure from the SELU domain over several initializers, per seed: above 0 when every one leaves it.',
  roles: { nets: 'many' },
  params: domainParams,
  evaluate({ params: p, arms, seeds }) {
    const list = arms('nets');
    return {
      samples: perSeed(seeds, (s) => {
        const ds = list.map((a) => domainDeparture(layersAt(cellAt(a, s, p.width), 'initial'), p));
        return ds.every((x): x is number => x !== null) ? { value: Math.min(...ds) } : { value: null, note: 'no per-layer statistics' };
      }),
      figures: [profileFigure({
        title: `Activation variance per layer, width ${p.width}, seed ${seeds[0]}`, what: 'Activation variance on the probe batch at step 0',
        yTitle: AXES.variance, logY: true,
        series: list.map((a) => ({ name: a.ref, layers: layersAt(cellAt(a, seeds[0], p.width), 'initial') })), f: (l) => (l.actStd === undefined ? undefined : l.actStd ** 2),
        band: { y0: p.minVar, y1: p.maxVar, label: 'domain' },
      })],
    };
  },
});
