/**
 * Identity checks on derivatives, measured on the engine's activation entries over dense
 * float64 grids that contain 0 exactly: the closed forms of sigmoid' and tanh', their peaks,
 * ReLU's one-sided quotients at its kink, and the pointwise order of tanh' and sigmoid'.
 */
import { z } from 'zod';
import { ACTIVATIONS, activationParams } from '../../net/activations.js';
import { activationFigureSpec } from '../../report/specs/figures.js';
import { lineChart } from '../../report/specs/claims.js';
import {
  batchedDerivative, derivativeStudy, dominance, grid, identityError, oneSidedQuotients, type DerivativeForm, type IdentityName,
} from '../analytic.js';
import { atLeast, atMost, fmtNum, holds } from '../predicates.js';
import * as prose from '../prose.js';
import { AXES } from '../text.js';
import type { Measure } from '../types.js';
import { activationName, gridParams } from './common.js';
import { identity } from './types.js';

export const derivativePeak = identity({
  doc: "An activation's derivative over a float64 grid: against central differences, a closed form in f and the batched kernel; where it peaks.",
  roles: {},
  thresholds: ['fdTol', 'formTol', 'peakTol'],
  optionalThresholds: ['idTol'],
  params: z.strictObject({
    activation: activationName, ...gridParams, peak: z.number(),
    form: z.enum(['sigmoid', 'tanh'] as [DerivativeForm, ...DerivativeForm[]]),
    identity: z.enum(['tanhSigmoid'] as [IdentityName, ...IdentityName[]]).optional(),
  }),
  evaluate({ params: p, t }) {
    const xs = grid(p.lo, p.hi, p.step);
    const s = derivativeStudy(p.activation, xs, p.form, p.peak);
    const measures: Measure[] = [];
    if (p.identity !== undefined) measures.push(atMost('max |tanh(x) - (2 sigmoid(2x) - 1)|', identityError(p.identity, xs), t.idTol ?? 0));
    measures.push(
      atMost("max |f'(x) - (f(x + h) - f(x - h)) / 2h|", s.fdError, t.fdTol),
      atMost(`max |f'(x) - ${p.form === 'sigmoid' ? 'f(1 - f)' : '(1 - f^2)'}|`, s.formError, t.formTol),
      atMost("max |batched backward - f'(x)|", s.batchError, t.formTol),
      atMost(`|f'(0) - ${p.peak}|`, Math.abs(s.atZero - p.peak), t.peakTol),
      holds("argmax of f' over the grid is x = 0", s.argmax === 0, 'x = 0'),
      atMost(`grid points x != 0 with f'(x) >= ${p.peak}`, s.atOrAbovePeak, 0),
    );
    return {
      measures,
      info: [`${s.points} grid points; max f' = ${fmtNum(s.max)} at x = ${s.argmax}.`],
      figures: [{ spec: activationFigureSpec(p.activation), caption: prose.measuresCaption(`${p.activation} and its derivative from src/net/activations.ts; the largest derivative on the grid is ${fmtNum(s.max)} at x = ${s.argmax}`, measures) }],
    };
  },
});

export const reluKink = identity({
  doc: "ReLU's one-sided difference quotients at 0 and the stated convention.",
  roles: {},
  thresholds: ['tol'],
  params: z.strictObject({ convention: z.number() }),
  evaluate({ params: p, t }) {
    const hs = Array.from({ length: 12 }, (_, k) => Number(`1e-${k + 1}`));
    const q = oneSidedQuotients('relu', 0, hs);
    const df0 = ACTIVATIONS.relu.df(0, {});
    const batched = batchedDerivative('relu', new Float64Array([0]))[0];
    const stated = ACTIVATIONS.relu.kink.includes(`f'(0) = ${p.convention}`);
    const left = Math.max(...q.map((r) => Math.abs(r.left)));
    const right = Math.max(...q.map((r) => Math.abs(r.right - 1)));
    const measures = [
      atMost('max |left quotient (f(0) - f(-h)) / h|', left, t.tol),
      atMost('max |right quotient (f(h) - f(0)) / h - 1|', right, t.tol),
      holds(`registry kink note states f'(0) = ${p.convention}`, stated, 'stated'),
      holds(`relu.df(0) = ${df0}`, df0 === p.convention, `= ${p.convention}`),
      holds(`batched backward at z = 0 gives ${batched}`, batched === p.convention, `= ${p.convention}`),
    ];
    return {
      measures,
      info: [`kink note: ${ACTIVATIONS.relu.kink}`],
      figures: [{
        spec: lineChart({
          title: 'ReLU’s difference quotients at 0',
          description: 'Left and right difference quotients of relu at 0 for shrinking h.',
          rows: q.flatMap((r) => [{ series: 'left (f(0) - f(-h)) / h', x: r.h, y: r.left }, { series: 'right (f(h) - f(0)) / h', x: r.h, y: r.right }]),
          xTitle: AXES.h, yTitle: AXES.quotient, seriesTitle: 'quotient', logX: true, points: true,
        }),
        caption: prose.measuresCaption(
          `Left and right quotients at 0 for h from 1e-1 to 1e-12: the left ones stay within ${fmtNum(left)} of 0, the right ones within ${fmtNum(right)} of 1; gradflow's value at 0 is ${df0}`,
          measures,
        ),
      }],
    };
  },
});

export const derivativeDominates = identity({
  doc: "Share of a grid where one activation's derivative is at least another's.",
  roles: {},
  thresholds: ['minShare'],
  params: z.strictObject({ ...gridParams, upper: activationName, lower: activationName }),
  evaluate({ params: p, t }) {
    const d = dominance(p.upper, p.lower, grid(p.lo, p.hi, p.step));
    const up = ACTIVATIONS[p.upper];
    const lo = ACTIVATIONS[p.lower];
    const pu = activationParams(p.upper);
    const pl = activationParams(p.lower);
    const xs = grid(-6, 6, 0.05);
    const measures = [atLeast(`share of [${p.lo}, ${p.hi}] where ${p.upper}' >= ${p.lower}'`, d.share, t.minShare)];
    const flips = d.crossings.map(fmtNum).join(', ') || 'nowhere';
    return {
      measures,
      info: [`the order flips at x = ${flips} (grid step ${p.step})`, `peaks: ${p.upper}'(0) = ${fmtNum(up.df(0, pu))}, ${p.lower}'(0) = ${fmtNum(lo.df(0, pl))}`],
      figures: [{
        spec: lineChart({
          title: `${p.upper}' against ${p.lower}'`,
          description: 'The two derivatives; dashed lines mark where their order flips.',
          rows: [...xs].flatMap((x) => [{ series: `${p.upper}'`, x, y: up.df(x, pu) }, { series: `${p.lower}'`, x, y: lo.df(x, pl) }]),
          xTitle: AXES.x, yTitle: AXES.dfx, seriesTitle: 'curve', rules: d.crossings.map((x) => ({ x, label: `x = ${fmtNum(x)}` })),
        }),
        caption: prose.measuresCaption(`${p.upper}' is at least ${p.lower}' on a share ${fmtNum(d.share)} of the grid; the order flips at x = ${flips}`, measures),
      }],
    };
  },
});
