/**
 * Identity checks of constructions: CReLU's doubled width and pairs, a deep identity network is
 * affine, SELU is lambda times ELU, leaky ReLU is max(alpha x, x), and a dead ReLU unit's
 * weights get exactly zero gradient (relu's backward multiplies by 0).
 */
import { z } from 'zod';
import { ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA, type ActivationName } from '../../net/activations.js';
import { getKernels } from '../../net/kernels.js';
import { MLP, initializeMLP } from '../../net/mlp.js';
import { createRng } from '../../net/rng.js';
import { activationFigureSpec } from '../../report/specs/figures.js';
import { barChart, lineChart } from '../../report/specs/claims.js';
import { grid } from '../analytic.js';
import { atLeast, atMost, fmtNum, hidden, holds } from '../predicates.js';
import * as prose from '../prose.js';
import { AXES } from '../text.js';
import { gridParams } from './common.js';
import { rebuild, wholeSetPass } from './network.js';
import { identity } from './types.js';

/** Max relative deviation of a random 5-layer float64 MLP from an affine map: f(t x1 + (1 - t) x2) against t f(x1) + (1 - t) f(x2). */
export function affineError(activation: ActivationName, seed: number): number {
  const rows = 256;
  const inputDim = 4;
  const outputDim = 3;
  const rng = createRng(seed).fork('affine');
  const mlp = new MLP({ inputDim, outputDim, depth: 5, width: 16, activation, dtype: 'float64', kernels: getKernels('ts'), maxRows: rows });
  initializeMLP(mlp, { init: { name: 'glorot_normal' }, biasInit: { name: 'normal', std: 0.5 } }, rng.fork('init'));
  const x1 = new Float64Array(rows * inputDim);
  const x2 = new Float64Array(rows * inputDim);
  const xm = new Float64Array(rows * inputDim);
  const t = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    t[r] = rng.uniform(0, 1);
    for (let i = 0; i < inputDim; i++) {
      const k = r * inputDim + i;
      x1[k] = rng.normal();
      x2[k] = rng.normal();
      xm[k] = t[r] * x1[k] + (1 - t[r]) * x2[k];
    }
  }
  const f1 = Float64Array.from(mlp.forward(x1, rows).subarray(0, rows * outputDim));
  const f2 = Float64Array.from(mlp.forward(x2, rows).subarray(0, rows * outputDim));
  const fm = mlp.forward(xm, rows);
  let err = 0;
  let scale = 0;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outputDim; o++) {
      const k = r * outputDim + o;
      err = Math.max(err, Math.abs(fm[k] - (t[r] * f1[k] + (1 - t[r]) * f2[k])));
      scale = Math.max(scale, Math.abs(f1[k]), Math.abs(f2[k]));
    }
  }
  return scale > 0 ? err / scale : err;
}

export const linearAffine = identity({
  doc: 'A deep network with identity activations is an affine map; a tanh network is not.',
  roles: {},
  thresholds: ['affineTol', 'minContrast'],
  params: z.strictObject({}),
  evaluate({ t, seedBase }) {
    const eId = affineError('identity', seedBase);
    const eTanh = affineError('tanh', seedBase);
    const measures = [
      atMost('identity MLP: relative deviation from an affine map', eId, t.affineTol),
      atLeast('tanh MLP: relative deviation from an affine map (contrast)', eTanh, t.minContrast),
    ];
    const values = [{ name: 'identity', value: eId }, { name: 'tanh', value: eTanh }];
    return {
      measures,
      figures: [{
        spec: barChart({
          title: 'Deviation from an affine map, 5-layer float64 MLPs',
          description: 'max |f(t x1 + (1 - t) x2) - (t f(x1) + (1 - t) f(x2))| / max |f|, over 256 random pairs.',
          rows: values.map((v) => ({ group: v.name, series: 'deviation', value: v.value })), groupTitle: 'activation', seriesTitle: 'quantity', yTitle: AXES.deviation, logY: true,
        }),
        caption: prose.measuresCaption(prose.valuesCaption('Relative deviation from an affine map', values), measures),
      }],
    };
  },
});

export const crelu = identity({
  doc: "CReLU's width factor and pair structure, in the code and in a recorded run.",
  roles: { net: 'one' },
  thresholds: ['zeroTol'],
  params: z.strictObject({}),
  evaluate({ t, arm, seedBase }) {
    const rows = 4096;
    const units = 16;
    const rng = createRng(seedBase).fork('crelu');
    const z0 = new Float64Array(rows * units);
    for (let i = 0; i < z0.length; i++) z0[i] = i % 97 === 0 ? 0 : rng.normal();
    const a = new Float64Array(rows * units * 2).fill(NaN);
    ACTIVATIONS.crelu.forward(z0, a, rows, units, {}, null);
    let badPairs = 0;
    let badZeros = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < units; j++) {
        const x = z0[r * units + j];
        const live = (a[2 * r * units + j] !== 0 ? 1 : 0) + (a[2 * r * units + units + j] !== 0 ? 1 : 0);
        if (x === 0 ? live !== 0 : live !== 1) {
          if (x === 0) badZeros++;
          else badPairs++;
        }
      }
    }
    const cells = arm('net').cells;
    const c = cells[0];
    const w = c?.width ?? NaN;
    const d = c?.depth ?? NaN;
    const inputDim = 2;
    const classes = c?.classes ?? 3;
    const doubled = inputDim * w + w + (d - 1) * (2 * w * w + w) + 2 * w * classes + classes;
    // zeroFraction counts (example, unit) pairs where neither half passes gradient, so it is 0 when one half is live.
    let worst = 0;
    for (const cell of cells) for (const r of cell.records) for (const l of hidden(r.layers, cell.depth)) worst = Math.max(worst, l.zeroFraction ?? NaN);
    const measures = [
      holds(`crelu.forward fills every one of ${a.length} outputs for ${z0.length} inputs (widthFactor ${ACTIVATIONS.crelu.widthFactor})`, a.every((v) => !Number.isNaN(v)) && ACTIVATIONS.crelu.widthFactor === 2, 'twice as many'),
      atMost('pairs with x != 0 where not exactly one half is non-zero', badPairs, 0),
      atMost('pairs with x = 0 where a half is non-zero', badZeros, 0),
      holds(`run parameter count ${c?.summary?.params ?? 'n/a'} = formula with fan-in 2 x ${w} (${doubled})`, c?.summary?.params === doubled, `= ${doubled}`),
      atMost(`largest zeroFraction (units with both halves off) over records, hidden layers and ${cells.length} runs`, cells.some((x) => x.records.length) && Number.isFinite(worst) ? worst : null, t.zeroTol),
    ];
    return {
      measures,
      info: [`a ${units}-unit layer: ${rows * units} inputs, ${rows * units * 2} outputs; ${Math.ceil(z0.length / 97)} inputs set to exactly 0`],
      figures: [{
        spec: lineChart({
          title: 'CReLU units with both halves off, during training',
          description: 'zeroFraction of each hidden layer at each record of the first run.',
          rows: (c?.records ?? []).flatMap((r) => hidden(r.layers, c.depth).map((l) => ({ series: `layer ${l.layer}`, x: r.step, y: l.zeroFraction ?? null }))),
          xTitle: AXES.step, yTitle: AXES.bothOff, seriesTitle: 'layer', rules: [{ y: t.zeroTol, label: `tolerance ${t.zeroTol}` }],
        }),
        caption: prose.measuresCaption(`The share of (example, unit) pairs with both halves off, per layer during training; its largest value over every run is ${fmtNum(worst)}`, measures),
      }],
    };
  },
});

export const seluIsScaledElu = identity({
  doc: 'selu(x) against lambda * elu(x; alpha) on a grid, and the slope for x > 0.',
  roles: {},
  thresholds: ['tol'],
  params: z.strictObject(gridParams),
  evaluate({ params: p, t }) {
    let e = 0;
    for (const x of grid(p.lo, p.hi, p.step)) {
      e = Math.max(e, Math.abs(ACTIVATIONS.selu.f(x, {}) - SELU_LAMBDA * ACTIVATIONS.elu.f(x, { alpha: SELU_ALPHA })) / Math.max(1, Math.abs(x)));
    }
    const slope = ACTIVATIONS.selu.df(1, {});
    const measures = [atMost('max |selu(x) - lambda elu(x; alpha)| / max(1, |x|)', e, t.tol), atMost("|selu'(1) - lambda|", Math.abs(slope - SELU_LAMBDA), t.tol)];
    return {
      measures,
      figures: [{ spec: activationFigureSpec('selu'), caption: prose.measuresCaption(`selu and its derivative; the slope at x = 1 is ${slope.toFixed(6)} against lambda = ${SELU_LAMBDA.toFixed(6)}`, measures) }],
    };
  },
});

export const leakyIsMax = identity({
  doc: 'leaky_relu against max(alpha x, x) on a grid, and its derivative on each side.',
  roles: {},
  thresholds: ['tol'],
  params: z.strictObject({ ...gridParams, alpha: z.number().min(0).max(1) }),
  evaluate({ params: p, t }) {
    const ap = { alpha: p.alpha };
    let e = 0;
    let badSlope = 0;
    for (const x of grid(p.lo, p.hi, p.step)) {
      e = Math.max(e, Math.abs(ACTIVATIONS.leaky_relu.f(x, ap) - Math.max(p.alpha * x, x)));
      const d = ACTIVATIONS.leaky_relu.df(x, ap);
      if ((x < 0 && d !== p.alpha) || (x > 0 && d !== 1)) badSlope++;
    }
    const measures = [atMost(`max |leaky_relu(x) - max(${p.alpha} x, x)|`, e, t.tol), atMost(`grid points with f' != ${p.alpha} (x < 0) or != 1 (x > 0)`, badSlope, 0)];
    return {
      measures,
      figures: [{ spec: activationFigureSpec('leaky_relu', { params: ap }), caption: prose.measuresCaption(`leaky_relu with alpha = ${p.alpha}; largest difference from max(alpha x, x) ${fmtNum(e)}`, measures) }],
    };
  },
});

export const deadUnitGradient = identity({
  doc: "A ReLU unit dead on every training example gets exactly zero gradient (a forward and backward pass over the whole training set with saved weights).",
  roles: { net: 'one' },
  thresholds: ['maxDeadGrad'],
  params: z.strictObject({ step: z.int().min(0) }),
  evaluate({ params: p, t, arm }) {
    const per = arm('net').cells.map((c) => ({ ref: c.ref, ...wholeSetPass(rebuild(c, p.step)) }));
    const dead = per.reduce((s, r) => s + r.dead.reduce((a, b) => a + b, 0), 0);
    const maxGrad = per.reduce((m, r) => Math.max(m, r.maxDeadGrad), 0);
    const measures = [
      atLeast(`units dead on every training example (weights of step ${p.step}, ${per.length} runs)`, dead, 1),
      atMost('largest |dL/dW| or |dL/db| entry of those units', maxGrad, t.maxDeadGrad),
    ];
    return {
      measures,
      info: per.map((r) => `${r.ref}: dead units per hidden layer ${r.dead.join(', ')}`),
      figures: [{
        spec: barChart({
          title: 'Units dead on the whole training set, per layer',
          description: `Units with zero derivative on every training example at step ${p.step}, per hidden layer and run.`,
          rows: per.flatMap((r) => r.dead.map((v, l) => ({ group: String(l), series: r.ref, value: v }))), groupTitle: AXES.layer, seriesTitle: AXES.series, yTitle: AXES.count,
        }),
        caption: prose.measuresCaption(`${dead} units are dead on the whole training set over ${per.length} runs; the largest gradient entry of a dead unit is ${fmtNum(maxGrad)}`, measures),
      }],
    };
  },
});
