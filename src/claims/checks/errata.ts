/**
 * Errata of the post, measured: its code and figures evaluated as written next to the formulas
 * (and gradflow's activations). Each claim states what the post's code or figure says; the
 * check measures whether that holds, so an erratum shows as `fails` with the size of the error.
 */
import { z } from 'zod';
import { ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA, activationParams } from '../../net/activations.js';
import { barChart, lineChart } from '../../report/specs/claims.js';
import { grid } from '../analytic.js';
import { atLeast, atMost, fmtNum, holds } from '../predicates.js';
import * as prose from '../prose.js';
import { AXES } from '../text.js';
import type { Measure } from '../types.js';
import { rebuild, wholeSetPass } from './network.js';
import { identity } from './types.js';

/** numpy.linspace(lo, hi, n): the grids the post's plotting code uses. */
export function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

const leaky = (x: number, alpha: number): number => Math.max(alpha * x, x);

export const creluNegativeHalf = identity({
  doc: "The post's CReLU for negative x, [0, x], against gradflow's crelu (tf.nn.crelu: [relu(x), relu(-x)]).",
  roles: {},
  thresholds: [],
  params: z.strictObject({ lo: z.number().negative(), step: z.number().positive() }),
  evaluate({ params: p }) {
    const xs = [...grid(p.lo, -p.step, p.step)];
    const a = new Float64Array(xs.length * 2);
    ACTIVATIONS.crelu.forward(Float64Array.from(xs), a, 1, xs.length, {}, null);
    let asPost = 0;
    let negated = 0;
    xs.forEach((x, i) => {
      const first = a[i];
      const second = a[xs.length + i];
      if (first === 0 && second === x) asPost++;
      if (first === 0 && second === -x) negated++;
    });
    const measures = [holds(`crelu(x) = [0, x] at ${asPost} of ${xs.length} grid points x < 0`, asPost === xs.length, 'every x < 0')];
    const rows = xs.filter((_, i) => i % 10 === 0).flatMap((x) => [{ series: "crelu's second half", x, y: -Math.min(x, 0) }, { series: "the post's second half, x", x, y: x }]);
    return {
      measures,
      info: [`the second half equals -x at ${negated} of ${xs.length} points: [0, x] is its negation, min(x, 0)`],
      figures: [{
        spec: lineChart({ title: 'CReLU’s second half for x < 0', description: "gradflow's crelu against the post's [0, x].", rows, xTitle: AXES.x, yTitle: AXES.fx, seriesTitle: 'curve' }),
        caption: prose.measuresCaption(`For x < 0 the second half is -x at ${negated} of ${xs.length} grid points and x at ${asPost}`, measures),
      }],
    };
  },
});

export const leakyFigureAlpha = identity({
  doc: "The leaky ReLU figure's alpha (its plotting code) against the alpha of the text, on the figure's own grid.",
  roles: {},
  thresholds: ['tol'],
  params: z.strictObject({ figureAlpha: z.number(), textAlpha: z.number(), lo: z.number(), hi: z.number(), points: z.int().min(2), yRange: z.number().positive() }),
  evaluate({ params: p, t }) {
    const xs = linspace(p.lo, p.hi, p.points);
    const diff = Math.max(...xs.map((x) => Math.abs(leaky(x, p.figureAlpha) - leaky(x, p.textAlpha))));
    const measures = [atMost(`max |leaky(x; ${p.figureAlpha}) - leaky(x; ${p.textAlpha})| on the figure's grid`, diff, t.tol)];
    const rows = xs.filter((x) => x <= 0).flatMap((x) => [{ series: `figure, alpha = ${p.figureAlpha}`, x, y: leaky(x, p.figureAlpha) }, { series: `text, alpha = ${p.textAlpha}`, x, y: leaky(x, p.textAlpha) }]);
    return {
      measures,
      info: [`the difference is ${fmtNum((100 * diff) / p.yRange)}% of the figure's y-axis span (${p.yRange})`],
      figures: [{
        spec: lineChart({ title: 'The leak in the figure and in the text', description: 'Leaky ReLU for x <= 0 with the two slopes.', rows, xTitle: AXES.x, yTitle: AXES.fx, seriesTitle: 'curve' }),
        caption: prose.measuresCaption(`The figure's leak reaches ${fmtNum(leaky(p.lo, p.figureAlpha))} at x = ${p.lo}; the text's slope would reach ${fmtNum(leaky(p.lo, p.textAlpha))}`, measures),
      }],
    };
  },
});

export const seluAsymptote = identity({
  doc: "SELU's lower asymptote against the -1 the post's figure marks.",
  roles: {},
  thresholds: ['tol'],
  params: z.strictObject({ marked: z.number(), at: z.number().negative() }),
  evaluate({ params: p, t }) {
    const low = ACTIVATIONS.selu.f(p.at, {});
    const measures = [atMost(`|selu(${p.at}) - (${p.marked})|`, Math.abs(low - p.marked), t.tol)];
    const rows = linspace(-5, 5, 101).map((x) => ({ series: 'selu', x, y: ACTIVATIONS.selu.f(x, {}) }));
    return {
      measures,
      info: [`-lambda alpha = ${fmtNum(-SELU_LAMBDA * SELU_ALPHA)}`],
      figures: [{
        spec: lineChart({ title: 'SELU and the line the figure marks', description: "selu over [-5, 5] with the figure's dashed line and the true asymptote.", rows, xTitle: AXES.x, yTitle: AXES.fx, seriesTitle: 'curve', rules: [{ y: p.marked, label: `figure: ${p.marked}` }, { y: -SELU_LAMBDA * SELU_ALPHA, label: `-λα = ${fmtNum(-SELU_LAMBDA * SELU_ALPHA)}` }] }),
        caption: prose.measuresCaption(`selu(${p.at}) = ${fmtNum(low)}, against the figure's ${p.marked}`, measures),
      }],
    };
  },
});

export const eluCurvature = identity({
  doc: "Whether ELU's negative part bends like a log curve (concave) or like an exponential (convex).",
  roles: {},
  thresholds: ['minConcaveShare'],
  params: z.strictObject({ lo: z.number().negative(), step: z.number().positive(), h: z.number().positive() }),
  evaluate({ params: p, t }) {
    const ap = activationParams('elu');
    const f = (x: number): number => ACTIVATIONS.elu.f(x, ap);
    const xs = [...grid(p.lo, -p.h, p.step)];
    const second = xs.map((x) => (f(x + p.h) - 2 * f(x) + f(x - p.h)) / (p.h * p.h));
    const concave = second.filter((s) => s < 0).length / xs.length;
    const measures = [atLeast("share of x < 0 where elu''(x) < 0 (concave, as a log curve)", concave, t.minConcaveShare)];
    return {
      measures,
      info: [`elu''(x) ranges from ${fmtNum(Math.min(...second))} to ${fmtNum(Math.max(...second))} on [${p.lo}, 0); alpha e^x is positive`],
      figures: [{
        spec: lineChart({ title: 'ELU’s negative part', description: 'elu(x) and its second difference quotient for x < 0.', rows: xs.filter((_, i) => i % 20 === 0).flatMap((x, i) => [{ series: 'elu(x)', x, y: f(x) }, { series: "elu''(x)", x, y: second[i * 20] }]), xTitle: AXES.x, yTitle: AXES.fx, seriesTitle: 'curve' }),
        caption: prose.measuresCaption(`The second derivative of elu is negative on a share ${fmtNum(concave)} of x < 0`, measures),
      }],
    };
  },
});

export const relu6Figure = identity({
  doc: "The function the post's ReLU-6 plotting code draws, on its own grid, against the cap of 6.",
  roles: {},
  thresholds: ['cap'],
  params: z.strictObject({ lo: z.number(), hi: z.number(), points: z.int().min(2) }),
  evaluate({ params: p, t }) {
    const xs = linspace(p.lo, p.hi, p.points);
    // The post plots relu(z), not its relu_6(z).
    const drawn = xs.map((x) => Math.max(0, x));
    const capped = xs.map((x) => ACTIVATIONS.relu6.f(x, {}));
    const measures = [atMost("max of the function the figure's code draws", Math.max(...drawn), t.cap), atMost('max of relu6 on the same grid', Math.max(...capped), t.cap)];
    return {
      measures,
      figures: [{
        spec: lineChart({
          title: 'What the ReLU-6 figure draws', description: "The plotted relu(z) against relu6(z) on the figure's grid.",
          rows: xs.flatMap((x, i) => [{ series: 'figure: relu(z)', x, y: drawn[i] }, { series: 'relu6(z)', x, y: capped[i] }]), xTitle: AXES.x, yTitle: AXES.fx, seriesTitle: 'curve', rules: [{ y: t.cap, label: `cap ${t.cap}` }],
        }),
        caption: prose.measuresCaption(`The figure's curve reaches ${fmtNum(Math.max(...drawn))}; relu6 reaches ${fmtNum(Math.max(...capped))}`, measures),
      }],
    };
  },
});

export const tanhReachesOne = identity({
  doc: 'Whether tanh attains +-1 (a closed range [-1, 1]): the exact gap 1 - tanh|x| = 2 / (e^{2|x|} + 1) over a grid, and where float64 rounds tanh onto 1.',
  roles: {},
  thresholds: [],
  params: z.strictObject({ hi: z.number().positive(), step: z.number().positive() }),
  evaluate({ params: p }) {
    const xs = [...grid(0, p.hi, p.step)];
    const gaps = xs.map((x) => 2 / (Math.exp(2 * x) + 1));
    const reached = gaps.filter((g) => g === 0).length;
    const rounded = xs.find((x) => ACTIVATIONS.tanh.f(x, {}) === 1);
    const measures: Measure[] = [holds(`grid points of [0, ${p.hi}] where 1 - tanh(x) is exactly 0: ${reached} of ${xs.length}`, reached > 0, 'at least one')];
    return {
      measures,
      info: [`float64 rounds tanh(x) onto 1 from x = ${rounded === undefined ? 'nowhere on the grid' : fmtNum(rounded)}; the exact gap there is ${rounded === undefined ? 'n/a' : fmtNum(2 / (Math.exp(2 * rounded) + 1))}`],
      figures: [{
        spec: lineChart({ title: '1 - tanh(x)', description: 'The exact gap to the upper end, log scale.', rows: xs.filter((_, i) => i % 50 === 0).map((x) => ({ series: '2 / (e^{2x} + 1)', x, y: 2 / (Math.exp(2 * x) + 1) })), xTitle: AXES.x, yTitle: AXES.gap1, seriesTitle: 'curve', logY: true }),
        caption: prose.measuresCaption(`The smallest exact gap on the grid is ${fmtNum(Math.min(...gaps))}, at x = ${p.hi}`, measures),
      }],
    };
  },
});

export const reluZeroConvention = identity({
  doc: "Whether relu'(0) = 1 (the post's code) and relu'(0) = 0 (PyTorch, gradflow) can give different training runs: they differ only at pre-activations exactly 0, counted over the whole training set with saved weights.",
  roles: { net: 'one' },
  thresholds: [],
  params: z.strictObject({ steps: z.array(z.int().min(0)).min(1) }),
  evaluate({ params: p, arm }) {
    const xs = [...grid(-1, 1, 1e-3)];
    const differ = xs.filter((x) => ACTIVATIONS.relu.df(x, {}) !== (x >= 0 ? 1 : 0)).length;
    let zeros = 0;
    let total = 0;
    const rows: { group: string; series: string; value: number | null }[] = [];
    for (const c of arm('net').cells) {
      for (const step of p.steps) {
        const r = wholeSetPass(rebuild(c, step));
        const z = r.exactZeros.reduce((a, b) => a + b, 0);
        zeros += z;
        total += r.preacts;
        rows.push({ group: String(step), series: `seed ${c.seed}`, value: z });
      }
    }
    const measures = [
      holds(`grid points of [-1, 1] where the two derivatives differ: ${differ}`, differ === 1, 'only x = 0'),
      atLeast(`pre-activations exactly 0 over the training set at steps ${p.steps.join(', ')} (${total} values in ${arm('net').cells.length} runs)`, zeros, 1),
    ];
    return {
      measures,
      figures: [{
        spec: barChart({ title: 'Pre-activations exactly 0 during training', description: 'Over the whole training set with the saved weights, per step and seed.', rows, groupTitle: AXES.step, seriesTitle: AXES.seed, yTitle: AXES.count }),
        caption: prose.measuresCaption(`${zeros} of ${total} pre-activations are exactly 0 at the saved steps; only there can relu'(0) change a gradient`, measures),
      }],
    };
  },
});
