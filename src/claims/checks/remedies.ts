/**
 * Empirical checks on the remedies at initialisation (step 0, probe batch), one sample per
 * evaluation seed:
 *
 *   normGradientRate  max over the batch-norm nets of |f / rate - 1|, with f the fitted per-layer
 *                     factor of ||dL/dz||^2 toward the input over hidden layers 1..depth-1
 *                     (deltaFactorAbove) and `rate` the closed form of the claim (relu:
 *                     pi / (pi - 1)); optional precondition: the same net without norm has
 *                     f <= plainMax (the growth is the norm's doing)
 *   residualBounded   max over the scaled nets (alpha = 1/sqrt(depth)) of
 *                     log10(G(depth) / G(shallowest)), G = E[h_last^2] / E[h_0^2] measured on the
 *                     residual stream; precondition: the unscaled nets (alpha = 1) grow, their
 *                     log10(G(deepest) / G(shallowest)) averaged over the seeds >= minUnscaledRise
 *
 * The trained remedy claims (a remedy trains where the plain net cannot) use `compare`.
 */
import { z } from 'zod';
import { deltaFactorAbove } from '../../metrics/theory-remedies.js';
import { fmtNum, layersAt } from '../predicates.js';
import { lineChart, type LineRow } from '../../report/specs/claims.js';
import { cellAt, cellsAt, type ArmRuns, type Cell } from '../runs.js';
import { mean } from '../stats.js';
import { AXES } from '../text.js';
import type { Figure, Measure } from '../types.js';
import { perSeed } from './common.js';
import { empirical } from './types.js';

/** Fitted per-layer factor of ||dL/dz||^2 at step 0, hidden layers 1..depth-1. */
function deltaFactor(c: Cell): number | null {
  const layers = layersAt(c, 'initial');
  if (layers.some((l) => !(l.deltaNorm > 0))) return null;
  return deltaFactorAbove(layers.map((l) => l.deltaNorm));
}

export const normGradientRate = empirical({
  doc: "Largest relative distance of the fitted per-layer factor of ||dL/dz||^2 at step 0 from the claim's rate over batch-norm nets, per seed; a net without norm as the contrast.",
  roles: { nets: 'many', plain: 'any' },
  params: z.strictObject({ rate: z.number().positive(), plainMax: z.number().positive().optional() }),
  evaluate({ params: p, arms, seeds }) {
    const nets = arms('nets');
    const plain = arms('plain');
    const samples = perSeed(seeds, (s) => {
      const ds = nets.map((a) => deltaFactor(cellAt(a, s)));
      return ds.every((d): d is number => d !== null) ? { value: Math.max(...ds.map((d) => Math.abs(d / p.rate - 1))) } : { value: null, note: 'no ||dL/dz|| profile at step 0' };
    });
    const pre: Measure[] = p.plainMax === undefined ? [] : plain.map((a) => {
      const v = mean(cellsAt(a, seeds).map((c) => deltaFactor(c) ?? NaN));
      return { label: `${a.ref}: mean fitted factor of ||dL/dz||^2 without norm`, value: v, threshold: `<= ${p.plainMax}`, pass: v === null ? null : v <= p.plainMax! };
    });
    const info = [...nets, ...plain].map((a) => {
      const cells = cellsAt(a, seeds);
      const predicted = cells[0]?.summary?.remedyTheory?.norm?.predictedDeltaFactor;
      return `${a.ref}: fitted factor per seed ${cells.map((c) => fmtNum(deltaFactor(c))).join(', ')}${predicted === undefined ? ' (no norm theory)' : `; the run's mean-field value ${fmtNum(predicted)}`}`;
    });
    return {
      samples,
      preconditions: pre,
      info,
      figures: [deltaProfileFigure([...nets, ...plain], seeds[0])],
    };
  },
});

/**
 * ||dL/dz||^2 per hidden layer at step 0 of one seed, each net beside its mean-field profile
 * (dashed), anchored at the net's last hidden layer and multiplied down by the predicted
 * per-layer factors: theory_l = measured_{L-1} prod_{j=l}^{L-2} factor_j.
 */
function deltaProfileFigure(list: readonly ArmRuns[], seed: number): Figure {
  const rows: LineRow[] = [];
  const dashed: string[] = [];
  const ends: string[] = [];
  for (const a of list) {
    const c = cellAt(a, seed);
    const layers = layersAt(c, 'initial');
    for (const l of layers) rows.push({ series: a.ref, x: l.layer, y: l.deltaNorm ** 2 });
    const factors = c.summary?.remedyTheory?.norm?.deltaFactorPerLayer;
    const last = layers[layers.length - 1];
    if (factors !== undefined && last !== undefined && factors.length === layers.length - 1) {
      const name = `${a.ref}, mean field`;
      dashed.push(name);
      let y = last.deltaNorm ** 2;
      const theory: LineRow[] = [{ series: name, x: last.layer, y }];
      for (let l = layers.length - 2; l >= 0; l--) {
        y *= factors[l];
        theory.unshift({ series: name, x: layers[l].layer, y });
      }
      rows.push(...theory);
    }
    if (layers.length) ends.push(`${a.ref}: ${fmtNum(layers[0].deltaNorm ** 2)} at layer 0, ${fmtNum(last.deltaNorm ** 2)} at the last hidden layer`);
  }
  return {
    spec: lineChart({
      title: `‖dL/dz‖² per layer at step 0, seed ${seed}`, description: 'Squared norm of the back-propagated signal on the probe batch, with the mean-field profile', rows,
      xTitle: AXES.layer, xIntegers: true, yTitle: AXES.deltaNorm2, seriesTitle: AXES.series, logY: true, points: true, dashed,
    }),
    caption: `Squared norm of the back-propagated signal on the probe batch per hidden layer, each batch-norm net beside its mean-field profile (dashed, anchored at its last hidden layer). ${ends.join('; ')}.`,
  };
}

/** E[h_last^2] / E[h_0^2] of the residual stream at step 0, measured. */
const streamGrowth = (c: Cell): number | null => {
  const g = c.summary?.remedyTheory?.residual?.measuredMeanSquareGrowth;
  return typeof g === 'number' && g > 0 && Number.isFinite(g) ? g : null;
};

/** Arms ordered by the depth of their nets. */
const byDepth = (list: readonly ArmRuns[]): ArmRuns[] => [...list].sort((a, b) => (a.cells[0]?.depth ?? 0) - (b.cells[0]?.depth ?? 0));

/** log10 of G over the arms relative to the shallowest, for one seed; null when one is missing. */
function risesAt(list: readonly ArmRuns[], seed: number): number[] | null {
  const gs = list.map((a) => streamGrowth(cellAt(a, seed)));
  if (!gs.every((g): g is number => g !== null)) return null;
  return gs.map((g) => Math.log10(g / gs[0]));
}

export const residualBounded = empirical({
  doc: 'Largest log10 rise, over depth, of the forward mean-square growth of the residual stream at step 0 for the scaled nets, per seed; the unscaled nets must grow.',
  roles: { scaled: 'many', unscaled: 'many' },
  params: z.strictObject({ minUnscaledRise: z.number() }),
  evaluate({ params: p, arms, seeds }) {
    const scaled = byDepth(arms('scaled'));
    const unscaled = byDepth(arms('unscaled'));
    const samples = perSeed(seeds, (s) => {
      const r = risesAt(scaled, s);
      return r === null ? { value: null, note: 'no residual-stream growth at step 0' } : { value: Math.max(...r) };
    });
    const rise = mean(seeds.map((s) => {
      const r = risesAt(unscaled, s);
      return r === null ? NaN : r[r.length - 1];
    }));
    const pre: Measure[] = [{
      label: `alpha = 1: mean log10(G at depth ${unscaled[unscaled.length - 1]?.cells[0]?.depth} / G at depth ${unscaled[0]?.cells[0]?.depth})`,
      value: rise, threshold: `>= ${p.minUnscaledRise}`, pass: rise === null ? null : rise >= p.minUnscaledRise,
    }];
    const rows: LineRow[] = [];
    const info: string[] = [];
    for (const [name, list] of [['alpha = 1/sqrt(depth)', scaled], ['alpha = 1', unscaled]] as const) {
      for (const a of list) {
        const cells = cellsAt(a, seeds);
        const depth = cells[0]?.depth ?? NaN;
        const measured = mean(cells.map((c) => streamGrowth(c) ?? NaN));
        const predicted = cells[0]?.summary?.remedyTheory?.residual?.meanSquareGrowth ?? null;
        rows.push({ series: `${name}, measured (mean over seeds)`, x: depth, y: measured });
        rows.push({ series: `${name}, mean field`, x: depth, y: predicted });
        info.push(`${a.ref} (depth ${depth}): G measured ${fmtNum(measured)} (per seed ${cells.map((c) => fmtNum(streamGrowth(c))).join(', ')}), mean field ${fmtNum(predicted)}`);
      }
    }
    return {
      samples,
      preconditions: pre,
      info,
      figures: [{
        spec: lineChart({
          title: 'Growth of the residual stream over the network at step 0', description: 'E[h_last^2] / E[h_0^2] against depth', rows,
          xTitle: AXES.depth, yTitle: AXES.streamGrowth, seriesTitle: AXES.series, logX: true, logY: true, points: true,
          dashed: rows.map((r) => r.series).filter((n) => n.endsWith('mean field')),
        }),
        caption: `E[h_last²] / E[h_0²] of the residual stream at step 0 against depth, mean over ${seeds.length} seeds, beside the mean-field recursion. ${info.join('; ')}.`,
      }],
    };
  },
});
