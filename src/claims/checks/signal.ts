/**
 * Empirical checks on signal propagation at initialisation (and, where asked, at the end of
 * training), one sample per evaluation seed at the verdict width, with the width sweep beside it
 * and the mean-field prediction of the run's own theory block (summary.theory, computed by
 * src/metrics/theory.ts from the initializer's sigma_w^2 and the input's q0):
 *
 *   log10(||dL/dz_0|| / ||dL/dz_{L-1}||) ≈ 1/2 Σ_{l=0}^{L-2} log10 chi1(q_l)
 *   actGrowth (fitted per-layer factor of actRms) ≈ (E[a_{L-1}^2] / E[a_0^2])^{1/(2(L-1))},
 *   E[a_l^2] = q_{l+1} / sigma_w^2 (zero biases)
 */
import { z } from 'zod';
import type { LayerRecord } from '../../metrics/types.js';
import { sweepChart } from '../../report/specs/claims.js';
import { lastOverFirst, layersAt, log10DeltaRatio, meanOver, pointValue, type Which } from '../predicates.js';
import * as prose from '../prose.js';
import { cellAt, widthsOf, type ArmRuns, type Cell } from '../runs.js';
import { mean } from '../stats.js';
import { AXES } from '../text.js';
import type { Figure } from '../types.js';
import { perSeed, profileFigure } from './common.js';
import { empirical } from './types.js';

interface TheoryNumbers {
  readonly sigmaW2: number;
  readonly qPerLayer: readonly number[];
  readonly chi1PerLayer: readonly number[];
}

/** The theory block of a run's summary, or null. */
function theoryOf(c: Cell): TheoryNumbers | null {
  return c.summary?.theory ?? null;
}

/** Mean-field log10(||dL/dz_0|| / ||dL/dz_{L-1}||) of a run. */
export function theoryDeltaRatio(t: TheoryNumbers | null): number | null {
  if (t === null || t.chi1PerLayer.length < 2) return null;
  let s = 0;
  for (let l = 0; l + 1 < t.chi1PerLayer.length; l++) s += 0.5 * Math.log10(t.chi1PerLayer[l]);
  return Number.isFinite(s) ? s : null;
}

/** Mean-field per-layer factor of the activation RMS of a run. */
export function theoryActGrowth(t: TheoryNumbers | null, depth: number): number | null {
  if (t === null || t.qPerLayer.length < depth || depth < 3) return null;
  // E[a_l^2] = q_{l+1} / sigma_w^2: layers 0 .. depth - 2 are known from q_1 .. q_{depth-1}.
  const first = t.qPerLayer[1];
  const last = t.qPerLayer[depth - 1];
  if (!(first > 0) || !(last > 0)) return null;
  const g = Math.pow(last / first, 1 / (2 * (depth - 2)));
  return Number.isFinite(g) ? g : null;
}

/** A sweep figure of a per-run quantity against its mean-field value over the arm's widths. */
function sweepFigure(a: ArmRuns, what: string, yTitle: string, value: (c: Cell) => number | null, theory: (c: Cell) => number | null): Figure {
  const widths = widthsOf(a);
  const points = a.cells.map((c) => ({ width: c.width, seed: c.seed, value: value(c) }));
  const th = widths.map((w) => ({ width: w, value: theory(a.cells.find((c) => c.width === w)!) }));
  const rows = widths.map((w, i) => ({ width: w, measured: mean(points.filter((p) => p.width === w).map((p) => p.value ?? NaN)), theory: th[i].value }));
  return {
    spec: sweepChart({ title: `${what}, ${a.ref}, over width`, description: `${what} per run; the line is the mean-field prediction.`, points, theory: th, yTitle }),
    caption: prose.sweepCaption(what, rows),
  };
}

const ratioAt = (c: Cell, w: Which): number | null => log10DeltaRatio(layersAt(c, w));
const widthParam = z.int().min(1).optional();

export const gradientRatio = empirical({
  doc: 'log10(||dL/dz|| of hidden layer 0 / of the last hidden layer) per seed (the largest over the chosen points, or of its absolute value), at the verdict width; width sweep with the mean-field value.',
  roles: { net: 'one', contrast: 'any' },
  params: z.strictObject({ width: widthParam, points: z.array(z.enum(['initial', 'final'])).min(1), abs: z.boolean().default(false) }),
  evaluate({ params: p, arm, arms, seeds }) {
    const a = arm('net');
    const f = (c: Cell): number | null => {
      const rs = p.points.map((w) => ratioAt(c, w));
      if (rs.some((r) => r === null)) return null;
      return Math.max(...rs.map((r) => (p.abs ? Math.abs(r!) : r!)));
    };
    const samples = perSeed(seeds, (s) => ({ value: f(cellAt(a, s, p.width)), note: 'no per-layer gradient norms' }));
    const figures: Figure[] = [];
    if (widthsOf(a).length > 1) {
      figures.push(sweepFigure(a, 'log10(‖dL/dz‖ layer 0 / last hidden layer) at step 0', AXES.log10Ratio, (c) => ratioAt(c, 'initial'), (c) => theoryDeltaRatio(theoryOf(c))));
    }
    const first = cellAt(a, seeds[0], p.width);
    const series = [
      ...p.points.map((w) => ({ name: `${a.ref}, ${w === 'initial' ? 'step 0' : 'end'}`, layers: layersAt(first, w) })),
      ...arms('contrast').map((x) => ({ name: x.ref, layers: layersAt(cellAt(x, seeds[0], p.width), 'initial') })),
    ];
    figures.push(profileFigure({ title: `Back-propagated gradient per layer, seed ${seeds[0]}`, what: 'Norm of dL/dz', yTitle: AXES.deltaNorm, series, f: (l: LayerRecord) => l.deltaNorm, logY: true }));
    return { samples, figures };
  },
});

export const strongerGradients = empirical({
  doc: 'log10 of the weight gradient of hidden layer 0 at step 0, one arm over another, per seed.',
  roles: { strong: 'one', weak: 'one' },
  params: z.strictObject({ width: widthParam }),
  evaluate({ params: p, arm, seeds }) {
    const strong = arm('strong');
    const weak = arm('weak');
    const g0 = (c: Cell): number | null => layersAt(c, 'initial').find((l) => l.layer === 0)?.gradNorm ?? null;
    const samples = perSeed(seeds, (s) => {
      const a = g0(cellAt(strong, s, p.width));
      const b = g0(cellAt(weak, s, p.width));
      return { value: a !== null && b !== null && a > 0 && b > 0 ? Math.log10(a / b) : null, note: 'no gradient norm' };
    });
    return {
      samples,
      figures: [profileFigure({
        title: `Weight gradient per layer at step 0, seed ${seeds[0]}`, what: 'Norm of dL/dW', yTitle: AXES.gradNorm, logY: true,
        series: [strong, weak].map((x) => ({ name: x.ref, layers: layersAt(cellAt(x, seeds[0], p.width), 'initial') })), f: (l) => l.gradNorm,
      })],
    };
  },
});

export const sparsity = empirical({
  doc: '|mean zeroFraction over the hidden layers at step 0 - target| per seed.',
  roles: { net: 'one' },
  params: z.strictObject({ width: widthParam, target: z.number().min(0).max(1) }),
  evaluate({ params: p, arm, seeds }) {
    const a = arm('net');
    const z0 = (c: Cell): number | null => meanOver(layersAt(c, 'initial'), (l) => l.zeroFraction);
    const samples = perSeed(seeds, (s) => {
      const v = z0(cellAt(a, s, p.width));
      return { value: v === null ? null : Math.abs(v - p.target), note: 'no zero fraction' };
    });
    return {
      samples,
      figures: [profileFigure({
        title: `Share of zero activations per layer at step 0, seed ${seeds[0]}`, what: 'zeroFraction on the probe batch', yTitle: AXES.zeroFraction,
        series: [{ name: a.ref, layers: layersAt(cellAt(a, seeds[0], p.width), 'initial') }], f: (l) => l.zeroFraction, rules: [{ y: p.target, label: String(p.target) }],
      })],
    };
  },
});

export const forwardScale = empirical({
  doc: 'Largest distance of the fitted per-layer activation RMS factor (actGrowth) from its target over several arms, per seed; width sweeps with the mean-field value.',
  roles: { nets: 'many' },
  params: z.strictObject({ width: widthParam, targets: z.array(z.number().positive()).min(1) }),
  evaluate({ params: p, arms, seeds }) {
    const list = arms('nets');
    if (list.length !== p.targets.length) throw new Error(`params.targets has ${p.targets.length} values for ${list.length} arms`);
    const g = (c: Cell): number | null => pointValue(c, 'initial', 'actGrowth');
    const samples = perSeed(seeds, (s) => {
      const ds = list.map((a, i) => {
        const v = g(cellAt(a, s, p.width));
        return v === null ? null : Math.abs(v - p.targets[i]);
      });
      return ds.every((d): d is number => d !== null) ? { value: Math.max(...ds) } : { value: null, note: 'no actGrowth' };
    });
    const figures = list.filter((a) => widthsOf(a).length > 1).map((a) => sweepFigure(a, 'Fitted per-layer factor of the activation RMS at step 0', AXES.actGrowth, g, (c) => theoryActGrowth(theoryOf(c), c.depth)));
    figures.push(profileFigure({
      title: `Activation RMS per layer at step 0, seed ${seeds[0]}`, what: 'Activation RMS on the probe batch', yTitle: AXES.actRms, logY: true,
      series: list.map((a) => ({ name: a.ref, layers: layersAt(cellAt(a, seeds[0], p.width), 'initial') })), f: (l) => l.actRms,
    }));
    return { samples, figures };
  },
});

export const blowUp = empirical({
  doc: 'log10(actRms of the last hidden layer / of the first) at step 0, smallest over the arms, per seed.',
  roles: { nets: 'many' },
  params: z.strictObject({}),
  evaluate({ arms, seeds }) {
    const list = arms('nets');
    const samples = perSeed(seeds, (s) => {
      const gs = list.map((a) => lastOverFirst(layersAt(cellAt(a, s), 'initial'), (l) => l.actRms));
      return gs.every((x): x is number => x !== null && x > 0) ? { value: Math.min(...gs.map((x) => Math.log10(x))) } : { value: null, note: 'no activation RMS' };
    });
    return {
      samples,
      figures: [profileFigure({
        title: `Activation RMS per layer at step 0, seed ${seeds[0]}`, what: 'Activation RMS on the probe batch', yTitle: AXES.actRms, logY: true,
        series: list.map((a) => ({ name: a.ref, layers: layersAt(cellAt(a, seeds[0]), 'initial') })), f: (l) => l.actRms,
      })],
    };
  },
});
