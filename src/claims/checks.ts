/**
 * The check registry: one entry per way of measuring and judging a claim. The claims file names
 * a check, the cells it reads by role, its parameters and its thresholds; the loader validates
 * all four against the entry here before anything runs.
 *
 * A check measures (from the runs' files through `Evidence`, or from the activation code
 * itself), compares each number with its threshold (`Measure`s from predicates.ts), and builds
 * the chart that shows it. It never moves a threshold and never reads the expected verdict.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { ResolvedConfig } from '../config/schema.js';
import { paramsOf } from '../config/schema.js';
import type { LayerRecord } from '../results/types.js';
import { ACTIVATIONS, ACTIVATION_NAMES, SELU_ALPHA, SELU_LAMBDA, activationParams, type ActivationName } from '../net/activations.js';
import { getKernels, type KernelKind } from '../net/kernels.js';
import { LOSSES } from '../net/losses.js';
import { MLP, initializeMLP } from '../net/mlp.js';
import { createRng } from '../net/rng.js';
import { expectNormal } from '../metrics/theory.js';
import { importWeights } from '../net/safetensors.js';
import { alloc, type DType } from '../net/tensor.js';
import { activationFigureSpec } from '../report/specs/figures.js';
import type { Spec } from '../report/specs/common.js';
import { loadCellData } from '../train/trainer.js';
import {
  batchedDerivative, derivativeStudy, dominance, grid, identityError, normaliseRangeText, oneSidedQuotients, rangeStudy, rangeText,
  seluIterates, seluMoments, timeActivations, type DerivativeForm, type IdentityName,
} from './analytic.js';
import { barChart, lineChart, stripChart, type LineRow } from './charts.js';
import type { CellEvidence } from './evidence.js';
import {
  atLeast, atMost, fmtNum, hidden, holds, lastOverFirst, log10DeltaRatio, mean, meanLoss, meanOver, median, outside, pointOf,
  shrinkShare, within,
} from './predicates.js';
import type { Claim } from './schema.js';
import { AXES } from './text.js';
import type { Measure, Outcome } from './types.js';

/** What a check sees: its claim, thresholds, parameters (validated) and the cells by role. */
export interface CheckContext<P> {
  readonly claim: Claim;
  readonly t: Readonly<Record<string, number>>;
  readonly params: P;
  /** The one cell of a role. */
  one(role: string): CellEvidence;
  /** The cells of a role that lists several. */
  many(role: string): CellEvidence[];
  /** Every cell of the claim's configs. */
  all(): CellEvidence[];
}

export interface CheckDef {
  readonly doc: string;
  /** Roles it reads: 'one' cell or 'many'. */
  readonly roles: Readonly<Record<string, 'one' | 'many'>>;
  /** Thresholds it needs, and ones it reads when present. */
  readonly thresholds: readonly string[];
  readonly optionalThresholds?: readonly string[];
  /** True when it reads runs (the claim must list configs); false for analytic checks. */
  readonly runs: boolean;
  readonly params: z.ZodType;
  evaluate(ctx: CheckContext<unknown>): Outcome | Promise<Outcome>;
}

/** Types `evaluate`'s params from the schema; the loader parses them with that schema before any call. */
function define<S extends z.ZodType>(def: Omit<CheckDef, 'params' | 'evaluate'> & { params: S; evaluate(ctx: CheckContext<z.output<S>>): Outcome | Promise<Outcome> }): CheckDef {
  return def as unknown as CheckDef;
}

const activationName = z.enum(ACTIVATION_NAMES as [ActivationName, ...ActivationName[]]);
const gridParams = { lo: z.number(), hi: z.number(), step: z.number().positive() };
const none = z.strictObject({});
const which = ['initial', 'final'] as const;
type Which = (typeof which)[number];
const whichLabel = (w: Which, c: CellEvidence): string => (w === 'initial' ? 'step 0' : `step ${c.summary?.steps ?? '?'}`);

/** The hidden layers of a cell's summary point (empty when the summary lacks it). */
function layersAt(c: CellEvidence, w: Which): LayerRecord[] {
  const p = pointOf(c.summary, w);
  return p === null ? [] : hidden(p.layers, c.depth);
}

/** Per-layer rows of one series for a profile chart. */
function profile(series: string, layers: readonly LayerRecord[], f: (l: LayerRecord) => number | undefined): LineRow[] {
  return layers.map((l) => ({ series, x: l.layer, y: f(l) ?? null }));
}

/** Mean over hidden layers of a per-layer field, for every record of a cell. */
function overSteps(c: CellEvidence, series: string, f: (l: LayerRecord) => number | undefined, layers?: (l: LayerRecord) => boolean): LineRow[] {
  return c.run.records.map((r) => ({ series, x: r.step, y: meanOver(hidden(r.layers, c.depth).filter(layers ?? (() => true)), f) }));
}

const name = (c: CellEvidence): string => c.id;

/** A value the run could not produce (diverged, missing) is a failed measure, not a missing one. */
function statusMeasure(c: CellEvidence): Measure {
  const status = c.summary?.status ?? 'missing';
  return holds(`${name(c)}: run status`, status === 'ok', '= ok');
}

/** The activation's range bound used for "stays bounded": max(|lo|, |hi|) when both are finite. */
function boundOf(activation: string): number | null {
  const n = activation as ActivationName;
  if (!(n in ACTIVATIONS)) return null;
  const r = ACTIVATIONS[n].range(activationParams(n));
  return Number.isFinite(r.lo) && Number.isFinite(r.hi) ? Math.max(Math.abs(r.lo), Math.abs(r.hi)) : null;
}

/**
 * A forward and backward pass over the whole training set with the weights saved at `step`:
 * the units whose derivative is 0 on every training example, and the largest |dL/dW| and
 * |dL/db| entry of those units (relu's backward multiplies by exactly 0, so it must be 0).
 */
export function deadUnitGradients(c: CellEvidence, step: number): { dead: number; maxGrad: number; perLayer: number[] } {
  const config = c.run.config as unknown as ResolvedConfig;
  const data = loadCellData(config, c.baseDir);
  const dtype = config.model.dtype as DType;
  const activation = config.model.activation.name as ActivationName;
  const p = paramsOf(config.model.activation);
  const n = data.nTrain;
  const mlp = new MLP({
    inputDim: data.inputDim, outputDim: data.outputDim, depth: config.model.depth, width: config.model.width,
    activation, activationParams: p, dtype, kernels: getKernels(config.model.kernel as KernelKind), maxRows: n,
  });
  importWeights(mlp, join(c.dir, `weights-step${step}.safetensors`));
  const x = dtype === 'float32' ? Float32Array.from(data.xTrain) : data.xTrain;
  const out = mlp.forward(x, n);
  const k = data.outputDim;
  const dOut = alloc(dtype, n * k);
  LOSSES.cross_entropy.backward(out, data.yTrain, dOut, n, k);
  mlp.backward(dOut, n);
  let dead = 0;
  let maxGrad = 0;
  const perLayer: number[] = [];
  for (let li = 0; li < config.model.depth; li++) {
    const l = mlp.layers[li];
    const units = l.fanOut;
    const d = alloc(dtype, n * units * l.widthFactor);
    ACTIVATIONS[activation].derivative(l.z, l.a, d, n, units, l.activationParams, l.learned);
    let inLayer = 0;
    for (let j = 0; j < units; j++) {
      let isDead = true;
      for (let r = 0; r < n && isDead; r++) if (d[r * units * l.widthFactor + j] !== 0) isDead = false;
      if (!isDead) continue;
      inLayer++;
      for (let i = 0; i < l.fanIn; i++) maxGrad = Math.max(maxGrad, Math.abs(l.dW[j * l.fanIn + i]));
      maxGrad = Math.max(maxGrad, Math.abs(l.db[j]));
    }
    dead += inLayer;
    perLayer.push(inLayer);
  }
  return { dead, maxGrad, perLayer };
}

/** max relative deviation of an MLP from an affine map: f(t x1 + (1 - t) x2) against t f(x1) + (1 - t) f(x2). */
export function affineError(activation: ActivationName, seed = 0): number {
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

/** Caption of an activation figure from the gallery. */
const figureCaption = (name: ActivationName): string =>
  `${name}: the function (left) and its derivative (right) from src/net/activations.ts; shaded where |f'| is below 5% of its peak.`;

/** The per-layer ||dL/dz|| profile chart shared by the vanishing-gradient checks. */
function deltaProfile(titleText: string, series: { label: string; layers: readonly LayerRecord[] }[]): Spec {
  return lineChart({
    title: titleText,
    description: 'Norm of dL/dz per hidden layer; a line falling toward layer 0 means the gradient vanishes toward the input.',
    rows: series.flatMap((s) => profile(s.label, s.layers, (l) => l.deltaNorm)),
    xTitle: AXES.layer, xIntegers: true, yTitle: AXES.deltaNorm, seriesTitle: AXES.series, logY: true, points: true,
  });
}

function ratioOf(a: number | null | undefined, b: number | null | undefined): number | null {
  return a !== null && a !== undefined && b !== null && b !== undefined && b !== 0 && Number.isFinite(a / b) ? a / b : null;
}

export const CHECKS = {
  derivativePeak: define({
    doc: "An activation's derivative over a float64 grid: against central differences, a closed form in f and the batched kernel; where it peaks.",
    roles: {},
    thresholds: ['fdTol', 'formTol', 'peakTol'],
    optionalThresholds: ['idTol'],
    runs: false,
    params: z.strictObject({
      activation: activationName, ...gridParams, peak: z.number(),
      form: z.enum(['sigmoid', 'tanh'] as [DerivativeForm, ...DerivativeForm[]]),
      identity: z.enum(['tanhSigmoid'] as [IdentityName, ...IdentityName[]]).optional(),
    }),
    evaluate({ params: p, t }) {
      const xs = grid(p.lo, p.hi, p.step);
      const s = derivativeStudy(p.activation, xs, p.form, p.peak);
      const measures: Measure[] = [];
      if (p.identity !== undefined && t.idTol !== undefined) {
        measures.push(atMost('max |tanh(x) - (2 sigmoid(2x) - 1)|', identityError(p.identity, xs), t.idTol));
      }
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
        chart: activationFigureSpec(p.activation),
        caption: figureCaption(p.activation),
      };
    },
  }),

  outputRanges: define({
    doc: 'Declared, grid and recorded output ranges of several activations.',
    roles: {},
    thresholds: ['maxViolations', 'nearTol'],
    runs: true,
    params: z.strictObject({ ...gridParams, ranges: z.partialRecord(activationName, z.string()) }),
    evaluate({ params: p, t, all }) {
      const xs = grid(p.lo, p.hi, p.step);
      const measures: Measure[] = [];
      const info: string[] = [];
      const cells = all();
      const chartRows: LineRow[] = [];
      const rules: { y: number; label: string }[] = [];
      for (const [key, stated] of Object.entries(p.ranges)) {
        const n = key as ActivationName;
        const ap = activationParams(n);
        const names: Record<string, number> = n === 'elu' ? { alpha: ap.alpha as number } : n === 'selu' ? { 'lambda*alpha': SELU_LAMBDA * SELU_ALPHA } : {};
        const s = rangeStudy(n, xs, ap);
        const declared = rangeText(s.declared, names);
        measures.push(holds(`${n}: declared range ${declared}`, normaliseRangeText(declared) === normaliseRangeText(stated), `= ${stated}`));
        measures.push(atMost(`${n}: grid values outside the range (incl. open ends not explained by rounding)`, s.outside + s.openEndViolations, t.maxViolations));
        if (s.nearLo !== null) measures.push(atMost(`${n}: closest approach to the lower end`, s.nearLo, t.nearTol));
        if (s.nearHi !== null) measures.push(atMost(`${n}: closest approach to the upper end`, s.nearHi, t.nearTol));
        if (!Number.isFinite(s.declared.hi)) measures.push(atLeast(`${n}: f(${p.hi})`, s.atGridHi, p.hi - 1));
        if (s.roundedOntoOpenEnd > 0) info.push(`${n}: ${s.roundedOntoOpenEnd} grid values round onto an open end in float64 (true gap below 2.2e-16).`);
        // Recorded activations: every histogram's values below/above the range, every record's actMaxAbs.
        const runs = cells.filter((c) => c.activation === n);
        let checked = 0;
        let violations = 0;
        const bound = boundOf(n);
        for (const c of runs) {
          for (const h of c.run.histograms) {
            for (const l of h.layers) {
              if (l.layer >= c.depth) continue;
              checked += l.a.counts.reduce((a, b) => a + b, 0) + (l.a.under ?? 0) + (l.a.over ?? 0);
              if (Number.isFinite(s.declared.lo)) violations += l.a.under ?? 0;
              if (Number.isFinite(s.declared.hi)) violations += l.a.over ?? 0;
            }
          }
          if (bound !== null) {
            for (const r of c.run.records) for (const l of hidden(r.layers, c.depth)) if ((l.actMaxAbs ?? 0) > bound) violations++;
          }
        }
        measures.push(
          checked > 0
            ? atMost(`${n}: recorded values outside the range (${checked} values in ${runs.length} runs)`, violations, t.maxViolations)
            : { label: `${n}: recorded values outside the range`, value: null, threshold: `<= ${t.maxViolations}`, pass: null },
        );
        for (const x of grid(-8, 8, 0.1)) chartRows.push({ series: n, x, y: ACTIVATIONS[n].f(x, ap) });
        for (const v of [s.declared.lo, s.declared.hi]) if (Number.isFinite(v) && !rules.some((r) => r.y === v)) rules.push({ y: v, label: fmtNum(v) });
      }
      return {
        measures,
        info,
        chart: lineChart({
          title: 'Six activations and the ends of their ranges',
          description: 'Each function over [-8, 8]; dashed lines mark the finite ends of the stated ranges.',
          rows: chartRows, xTitle: AXES.x, yTitle: AXES.fx, seriesTitle: 'activation', rules,
        }),
        caption: 'The functions flatten onto the dashed ends of their ranges and never cross them; the check itself covers [-100, 100] and every recorded activation.',
      };
    },
  }),

  vanishing: define({
    doc: '||dL/dz|| shrinks from the last hidden layer to the first, at the chosen points.',
    roles: { net: 'one' },
    thresholds: ['maxLog10Ratio', 'minShrinkShare'],
    runs: true,
    params: z.strictObject({ points: z.array(z.enum(which)).min(1) }),
    evaluate({ params: p, t, one }) {
      const c = one('net');
      const measures: Measure[] = [];
      const info: string[] = [];
      const series: { label: string; layers: LayerRecord[] }[] = [];
      for (const w of p.points) {
        const layers = layersAt(c, w);
        const at = whichLabel(w, c);
        measures.push(
          atMost(`log10(||dL/dz|| layer 0 / layer ${c.depth - 1}) at ${at}`, log10DeltaRatio(layers), t.maxLog10Ratio),
          atLeast(`share of layer steps where ||dL/dz|| shrinks toward the input, ${at}`, shrinkShare(layers), t.minShrinkShare),
        );
        const v = pointOf(c.summary, w)?.vanishing;
        if (v !== null && v !== undefined) info.push(`recorded vanishing index log10(||dL/dW|| layer 0 / layer ${c.depth - 1}) at ${at}: ${fmtNum(v)}`);
        series.push({ label: `${name(c)}, ${at}`, layers });
      }
      return { measures, info, chart: deltaProfile('Back-propagated gradient per layer', series), caption: 'Norm of dL/dz per hidden layer (log scale); a line falling toward layer 0 is the vanishing gradient.' };
    },
  }),

  flatGradients: define({
    doc: '||dL/dz|| of the first and last hidden layers within a band at step 0.',
    roles: { net: 'one' },
    thresholds: ['maxAbsLog10Ratio'],
    runs: true,
    params: none,
    evaluate({ t, one, all }) {
      const c = one('net');
      const layers = layersAt(c, 'initial');
      const r = log10DeltaRatio(layers);
      const info: string[] = [];
      const theory = c.summary?.theory as { chi1?: number; applies?: boolean } | null | undefined;
      if (theory && typeof theory.chi1 === 'number') info.push(`mean-field chi_1 = ${fmtNum(theory.chi1)}${theory.applies === false ? ' (theory flagged as not applying)' : ''}`);
      const others = all().filter((o) => o.ref !== c.ref);
      return {
        measures: [atMost(`|log10(||dL/dz|| layer 0 / layer ${c.depth - 1})| at step 0`, r === null ? null : Math.abs(r), t.maxAbsLog10Ratio)],
        info,
        chart: deltaProfile('Back-propagated gradient per layer at step 0', [c, ...others].map((o) => ({ label: name(o), layers: layersAt(o, 'initial') }))),
        caption: `The claim reads ${name(c)}; the other cells of the same config are drawn for contrast.`,
      };
    },
  }),

  saturationStopsLearning: define({
    doc: 'Saturated share and early-layer update ratio of a saturated net against a control.',
    roles: { saturated: 'one', control: 'one' },
    thresholds: ['minSaturated', 'maxControlSaturated', 'maxUpdateRatio'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const sat = one('saturated');
      const ctrl = one('control');
      const satShare = (c: CellEvidence, w: Which): number | null => meanOver(layersAt(c, w), (l) => l.saturatedFraction);
      const early = (c: CellEvidence): number | null => {
        const half = Math.max(1, Math.floor(c.depth / 2));
        return mean(c.run.records.filter((r) => r.step > 0).map((r) => meanOver(hidden(r.layers, c.depth).filter((l) => l.layer < half), (l) => l.updateRatio) ?? NaN));
      };
      const eSat = early(sat);
      const eCtrl = early(ctrl);
      return {
        measures: [
          atLeast(`${name(sat)}: saturated share at step 0`, satShare(sat, 'initial'), t.minSaturated),
          atLeast(`${name(sat)}: saturated share at the end`, satShare(sat, 'final'), t.minSaturated),
          atMost(`${name(ctrl)}: saturated share at step 0`, satShare(ctrl, 'initial'), t.maxControlSaturated),
          atMost('early-layer update ratio, saturated / control', ratioOf(eSat, eCtrl), t.maxUpdateRatio),
        ],
        info: [`mean early-layer update ratio: saturated ${eSat === null ? 'n/a' : fmtNum(eSat)}, control ${eCtrl === null ? 'n/a' : fmtNum(eCtrl)}`],
        chart: lineChart({
          title: 'How much the first half of the layers moves per step',
          description: 'Mean over the first half of the hidden layers of the update ratio per recorded step.',
          rows: [sat, ctrl].flatMap((c) => overSteps(c, name(c), (l) => l.updateRatio, (l) => l.layer < Math.max(1, Math.floor(c.depth / 2))).filter((r) => r.x > 0)),
          xTitle: AXES.step, yTitle: AXES.updateRatio, seriesTitle: AXES.series, logY: true,
        }),
        caption: 'The saturated net’s early layers move orders of magnitude less per step than the control’s.',
      };
    },
  }),

  strongerGradients: define({
    doc: 'Gradient of hidden layer 0 and per-layer ||dL/dz||, one activation against another.',
    roles: { weak: 'one', strong: 'one' },
    thresholds: ['minRatio', 'minShare'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const weak = one('weak');
      const strong = one('strong');
      const l0 = (layers: readonly LayerRecord[]): number | undefined => layers.find((l) => l.layer === 0)?.gradNorm;
      const ratio0 = ratioOf(l0(layersAt(strong, 'initial')), l0(layersAt(weak, 'initial')));
      const byStep = new Map(weak.run.records.map((r) => [r.step, l0(r.layers)]));
      const ratios = strong.run.records.map((r) => ratioOf(l0(r.layers), byStep.get(r.step)) ?? NaN).filter((x) => Number.isFinite(x));
      const ws = layersAt(weak, 'initial');
      const ss = layersAt(strong, 'initial');
      const n = Math.min(ws.length, ss.length);
      let stronger = 0;
      for (let i = 0; i < n; i++) if (ss[i].deltaNorm > ws[i].deltaNorm) stronger++;
      return {
        measures: [
          atLeast(`||dL/dW|| of layer 0 at step 0, ${name(strong)} / ${name(weak)}`, ratio0, t.minRatio),
          atLeast(`median of that ratio over ${ratios.length} records`, median(ratios), t.minRatio),
          atLeast(`share of hidden layers with larger ||dL/dz|| under ${name(strong)}, step 0`, n > 0 ? stronger / n : null, t.minShare),
        ],
        chart: lineChart({
          title: 'Weight gradient per layer at step 0',
          description: 'Norm of dL/dW per hidden layer at step 0 for both activations.',
          rows: [weak, strong].flatMap((c) => profile(name(c), layersAt(c, 'initial'), (l) => l.gradNorm)),
          xTitle: AXES.layer, xIntegers: true, yTitle: AXES.gradNorm, seriesTitle: AXES.series, logY: true, points: true,
        }),
        caption: 'The gap between the lines widens toward the input: tanh passes more gradient back through every layer.',
      };
    },
  }),

  centred: define({
    doc: 'Mean activation of a sigmoid net near 1/2 and of a tanh net near 0.',
    roles: { sigmoid: 'one', tanh: 'one' },
    thresholds: ['maxOffset'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const sg = one('sigmoid');
      const th = one('tanh');
      const measures: Measure[] = [];
      for (const w of which) {
        measures.push(atMost(`${name(th)}: mean |actMean| at ${whichLabel(w, th)}`, meanOver(layersAt(th, w), (l) => (l.actMean === undefined ? undefined : Math.abs(l.actMean))), t.maxOffset));
      }
      for (const w of which) {
        measures.push(atMost(`${name(sg)}: mean |actMean - 0.5| at ${whichLabel(w, sg)}`, meanOver(layersAt(sg, w), (l) => (l.actMean === undefined ? undefined : Math.abs(l.actMean - 0.5))), t.maxOffset));
      }
      return {
        measures,
        chart: lineChart({
          title: 'Mean activation per layer',
          description: 'Mean of the activation on the probe batch per hidden layer, at step 0 and at the end.',
          rows: [sg, th].flatMap((c) => which.flatMap((w) => profile(`${name(c)}, ${whichLabel(w, c)}`, layersAt(c, w), (l) => l.actMean))),
          xTitle: AXES.layer, xIntegers: true, yTitle: AXES.actMean, seriesTitle: AXES.series, points: true,
          rules: [{ y: 0, label: '0' }, { y: 0.5, label: '1/2' }],
        }),
        caption: 'sigmoid’s layers sit on 1/2, tanh’s on 0, before and after training.',
      };
    },
  }),

  trainsFaster: define({
    doc: 'Training loss after the same budget, one activation against another.',
    roles: { slow: 'one', fast: 'one' },
    thresholds: ['maxLossRatio'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const slow = one('slow');
      const fast = one('fast');
      const lossOf = (c: CellEvidence): number | null => (c.summary?.status === 'ok' ? c.summary.trainLoss : null);
      const measures: Measure[] = [statusMeasure(slow), statusMeasure(fast)];
      const r = ratioOf(lossOf(fast), lossOf(slow));
      measures.push(r === null && fast.summary?.status !== 'ok' ? { label: 'final training loss ratio', value: 'no final loss', threshold: `<= ${t.maxLossRatio}`, pass: false } : atMost(`final training loss, ${name(fast)} / ${name(slow)}`, r, t.maxLossRatio));
      const area = ratioOf(meanLoss(fast.run.records), meanLoss(slow.run.records));
      const acc = (c: CellEvidence): string => (c.summary?.trainAcc == null ? 'n/a' : fmtNum(c.summary.trainAcc));
      return {
        measures,
        info: [
          `final training loss: ${name(slow)} ${fmtNum(lossOf(slow) ?? NaN)}, ${name(fast)} ${fmtNum(lossOf(fast) ?? NaN)}; training accuracy ${acc(slow)} and ${acc(fast)}`,
          `mean recorded batch loss over the run, ${name(fast)} / ${name(slow)}: ${area === null ? 'n/a' : fmtNum(area)}`,
        ],
        chart: lineChart({
          title: 'Training loss',
          description: 'Batch loss at every recorded step.',
          rows: [slow, fast].flatMap((c) => c.run.records.map((rec) => ({ series: name(c), x: rec.step, y: rec.loss }))),
          xTitle: AXES.step, yTitle: AXES.loss, seriesTitle: AXES.series,
        }),
        caption: 'Lower is better; the claim compares the training-set loss at the end.',
      };
    },
  }),

  sparsity: define({
    doc: 'Share of zero activations at step 0, mean over hidden layers.',
    roles: { net: 'one' },
    thresholds: ['minZero', 'maxZero'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const c = one('net');
      const layers = layersAt(c, 'initial');
      return {
        measures: [within('mean zeroFraction over hidden layers at step 0', meanOver(layers, (l) => l.zeroFraction), t.minZero, t.maxZero)],
        chart: lineChart({
          title: 'Share of zero activations per layer at step 0',
          description: 'zeroFraction of each hidden layer on the probe batch; the band is the accepted interval.',
          rows: profile(name(c), layers, (l) => l.zeroFraction),
          xTitle: AXES.layer, xIntegers: true, yTitle: AXES.zeroFraction, seriesTitle: AXES.series, points: true,
          band: { y0: t.minZero, y1: t.maxZero, label: 'accepted' },
        }),
        caption: 'About half the units of every layer output exactly 0.',
      };
    },
  }),

  kernelSpeed: define({
    doc: 'Median time ratios of the batched activation kernels, timed in interleaved rounds.',
    roles: {},
    thresholds: ['maxCheaper', 'minSlower'],
    runs: false,
    params: z.strictObject({ n: z.int().min(1024), rounds: z.int().min(3), warmup: z.int().min(0), repeats: z.int().min(1).default(1) }),
    evaluate({ params: p, t }) {
      const pairs = [['relu', 'sigmoid'], ['relu', 'tanh'], ['elu', 'relu']] as const;
      const study = timeActivations(['relu', 'sigmoid', 'tanh', 'elu'], pairs, p);
      const measures: Measure[] = [];
      const straddle: string[] = [];
      for (const r of study.ratios) {
        const slower = r.pair === 'elu/relu';
        const thr = slower ? t.minSlower : t.maxCheaper;
        measures.push(slower ? atLeast(`median time ratio ${r.pair}`, r.median, thr) : atMost(`median time ratio ${r.pair}`, r.median, thr));
        if (r.q1 < thr && r.q3 > thr) straddle.push(`${r.pair} (quartiles ${fmtNum(r.q1)} to ${fmtNum(r.q3)})`);
      }
      const ms = (name: string): number | null => median(study.rounds.map((r) => r.seconds[name] * 1000));
      return {
        measures,
        inconclusive: straddle.length ? `the interquartile range of ${straddle.join(', ')} straddles its threshold` : undefined,
        info: [
          `median CPU ms per forward + backward of ${p.n} values: ${['relu', 'sigmoid', 'tanh', 'elu'].map((n) => `${n} ${fmtNum(ms(n) ?? NaN)}`).join(', ')} (${p.rounds} rounds after ${p.warmup} warm-up, fastest of ${p.repeats} calls each)`,
          'These time the TypeScript registry entries; a float32 model on the wasm kernel runs its own fused loops.',
          ...study.ratios.map((r) => `${r.pair}: quartiles ${fmtNum(r.q1)} to ${fmtNum(r.q3)}`),
        ],
        chart: stripChart({
          title: 'Time ratios per round',
          description: 'Each point is one interleaved round; the red tick is the median.',
          rows: study.ratios.flatMap((r) => r.perRound.map((v) => ({ group: r.pair, value: v }))),
          ticks: study.ratios.map((r) => ({ group: r.pair, value: r.median })),
          groupTitle: 'ratio', yTitle: AXES.ratio, logY: true,
          rules: [{ y: t.maxCheaper, label: `cheaper below ${t.maxCheaper}` }, { y: t.minSlower, label: `slower above ${t.minSlower}` }, { y: 1, label: 'equal' }],
        }),
        caption: 'Below 1: the first activation is faster. Timings vary from machine to machine; the ratios are what the claim reads.',
      };
    },
  }),

  dyingRelu: define({
    doc: 'Dead share rises; layer-0 units stay dead; dead units get exactly zero gradient.',
    roles: { net: 'one' },
    thresholds: ['minRise', 'maxRevivedShare', 'maxDeadGrad'],
    runs: true,
    params: z.strictObject({ step: z.int().min(0) }),
    evaluate({ params: p, t, one }) {
      const c = one('net');
      const i = pointOf(c.summary, 'initial');
      const f = pointOf(c.summary, 'final');
      const rise = i !== null && f !== null ? f.deadFraction - i.deadFraction : null;
      const dead = c.summary?.deadUnits ?? [];
      const l0 = dead.find((d) => d.layer === 0);
      const share: Measure =
        l0 === undefined || l0.died === 0
          ? { label: 'layer 0: units revived / units died', value: l0 === undefined ? null : 'no layer-0 unit died', threshold: `<= ${t.maxRevivedShare}`, pass: null }
          : atMost(`layer 0: units revived / units died (${l0.unitsRevived} / ${l0.died})`, l0.unitsRevived / l0.died, t.maxRevivedShare);
      const g = deadUnitGradients(c, p.step);
      return {
        measures: [
          atLeast('dead share of hidden units, end minus step 0', rise, t.minRise),
          share,
          atLeast(`units dead on every example of the training set (weights of step ${p.step})`, g.dead, 1),
          atMost('largest |dL/dW| or |dL/db| entry of those units', g.maxGrad, t.maxDeadGrad),
        ],
        info: [
          `dead share: ${fmtNum(i?.deadFraction ?? NaN)} at step 0, ${fmtNum(f?.deadFraction ?? NaN)} at the end`,
          `per layer (died / revived / dead now): ${dead.filter((d) => d.layer < c.depth).map((d) => `${d.layer}: ${d.died}/${d.unitsRevived}/${d.deadNow}`).join(', ')}`,
          `units dead on the whole training set, per layer: ${g.perLayer.join(', ')}`,
        ],
        chart: lineChart({
          title: 'Dead units per layer during training',
          description: 'deadFraction of each hidden layer (units with zero derivative on every probe example) at each record.',
          rows: c.run.records.flatMap((r) => hidden(r.layers, c.depth).map((l) => ({ series: `layer ${l.layer}`, x: r.step, y: l.deadFraction ?? null }))),
          xTitle: AXES.step, yTitle: AXES.deadFraction, seriesTitle: 'layer',
        }),
        caption: 'With learning rate 1.0 the dead share climbs in every layer within the first steps.',
      };
    },
  }),

  noRevival: define({
    doc: 'Units that came back over units that died, all hidden layers.',
    roles: { net: 'one' },
    thresholds: ['maxRevivedShare'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const c = one('net');
      const dead = (c.summary?.deadUnits ?? []).filter((d) => d.layer < c.depth);
      const died = dead.reduce((s, d) => s + d.died, 0);
      const revived = dead.reduce((s, d) => s + d.unitsRevived, 0);
      return {
        measures: [
          died > 0
            ? atMost(`units revived / units died, all hidden layers (${revived} / ${died})`, revived / died, t.maxRevivedShare)
            : { label: 'units revived / units died', value: 'no unit died', threshold: `<= ${t.maxRevivedShare}`, pass: null },
        ],
        chart: barChart({
          title: 'Units that died and came back, per layer',
          description: 'Per hidden layer: units that died during training and distinct units that came back later.',
          rows: dead.flatMap((d) => [{ group: String(d.layer), series: 'died', value: d.died }, { group: String(d.layer), series: 'came back', value: d.unitsRevived }]),
          groupTitle: AXES.layer, seriesTitle: 'event', yTitle: AXES.count,
        }),
        caption: 'Layer 0 sees fixed data; deeper layers see inputs that keep changing, which brings units back.',
      };
    },
  }),

  noDeathTrainsBetter: define({
    doc: 'Leaky ReLU and PReLU: no dead units and a lower training loss than ReLU in the same setting.',
    roles: { relu: 'one', leaky: 'one', prelu: 'one' },
    thresholds: ['maxDead', 'maxLossRatio'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const relu = one('relu');
      const measures: Measure[] = [];
      for (const c of [one('leaky'), one('prelu')]) {
        measures.push(statusMeasure(c));
        measures.push(atMost(`${name(c)}: dead share at the end`, pointOf(c.summary, 'final')?.deadFraction ?? null, t.maxDead));
        const r = c.summary?.status === 'ok' ? ratioOf(c.summary.trainLoss, relu.summary?.trainLoss) : null;
        measures.push(
          r === null && c.summary?.status !== 'ok'
            ? { label: `${name(c)}: training loss / relu's`, value: c.summary?.status ?? 'missing', threshold: `<= ${t.maxLossRatio}`, pass: false }
            : atMost(`${name(c)}: final training loss / ${name(relu)}'s`, r, t.maxLossRatio),
        );
      }
      const cells = [relu, one('leaky'), one('prelu')];
      return {
        measures,
        info: cells.map((c) => `${name(c)}: status ${c.summary?.status}, training loss ${fmtNum(c.summary?.trainLoss ?? NaN)}, training accuracy ${fmtNum(c.summary?.trainAcc ?? NaN)}, dead share at the end ${fmtNum(pointOf(c.summary, 'final')?.deadFraction ?? NaN)}`),
        chart: lineChart({
          title: 'Dead share during training',
          description: 'Mean over hidden layers of deadFraction at each record.',
          rows: cells.flatMap((c) => overSteps(c, name(c), (l) => l.deadFraction)),
          xTitle: AXES.step, yTitle: AXES.deadFraction, seriesTitle: AXES.series,
        }),
        caption: 'Only ReLU units die; the leaky variants keep a non-zero slope below 0.',
      };
    },
  }),

  slopesMove: define({
    doc: "PReLU slopes' mean change per layer, smallest over runs.",
    roles: { nets: 'many' },
    thresholds: ['minMove'],
    runs: true,
    params: none,
    evaluate({ t, many }) {
      const cells = many('nets');
      const moves: number[] = [];
      const info: string[] = [];
      const rows: { group: string; series: string; value: number | null }[] = [];
      for (const c of cells) {
        const s = c.summary?.preluSlopes;
        if (!s?.initial || !s.final) {
          moves.push(NaN);
          continue;
        }
        const per = s.final.map((fin, l) => Math.abs((mean(fin) ?? NaN) - (mean(s.initial![l]) ?? NaN)));
        const m = mean(per) ?? NaN;
        moves.push(m);
        info.push(`${c.ref}: final slopes per layer ${s.final.map((fin) => fmtNum(mean(fin) ?? NaN)).join(', ')} (initial ${fmtNum(mean(s.initial[0]) ?? NaN)}); mean change ${fmtNum(m)}`);
        s.final.forEach((fin, l) => rows.push({ group: String(l), series: c.ref.replace(/^claim-/, ''), value: mean(fin) }));
      }
      const min = moves.some((m) => !Number.isFinite(m)) ? null : Math.min(...moves);
      return {
        measures: [atLeast(`smallest mean |slope change| over ${cells.length} PReLU runs`, min, t.minMove)],
        info,
        chart: barChart({
          title: 'Learned PReLU slopes at the end, per layer',
          description: 'Mean learned slope of each hidden layer at the end of each run; the rule is the initial slope.',
          rows, groupTitle: AXES.layer, seriesTitle: AXES.series, yTitle: AXES.slope,
          rules: [{ y: 0.25, label: 'initial 0.25' }],
        }),
        caption: 'Every bar that leaves the 0.25 line is a slope the network learned.',
      };
    },
  }),

  overfitsMore: define({
    doc: 'Train-test accuracy gap, PReLU minus ReLU, paired by seed.',
    roles: { relu: 'many', prelu: 'many' },
    thresholds: ['minGapDiff'],
    runs: true,
    params: none,
    evaluate({ t, many }) {
      const gap = (c: CellEvidence): number | null =>
        c.summary?.trainAcc != null && c.summary.testAcc != null ? c.summary.trainAcc - c.summary.testAcc : null;
      const relu = new Map(many('relu').map((c) => [c.seed, c]));
      const diffs: number[] = [];
      const rows: { group: string; series: string; value: number | null }[] = [];
      const info: string[] = [];
      for (const p of many('prelu')) {
        const r = relu.get(p.seed);
        const gp = gap(p);
        const gr = r === undefined ? null : gap(r);
        rows.push({ group: String(p.seed), series: 'relu', value: gr }, { group: String(p.seed), series: 'prelu', value: gp });
        if (gp !== null && gr !== null) diffs.push(gp - gr);
        info.push(`seed ${p.seed}: gap relu ${fmtNum(gr ?? NaN)} (train ${fmtNum(r?.summary?.trainAcc ?? NaN)}, test ${fmtNum(r?.summary?.testAcc ?? NaN)}), prelu ${fmtNum(gp ?? NaN)} (train ${fmtNum(p.summary?.trainAcc ?? NaN)}, test ${fmtNum(p.summary?.testAcc ?? NaN)})`);
      }
      const m = diffs.length === many('prelu').length ? mean(diffs) : null;
      const agree = diffs.every((d) => d > 0);
      return {
        measures: [atLeast(`mean over ${diffs.length} seeds of the gap difference (prelu - relu)`, m, t.minGapDiff)],
        inconclusive: m !== null && m >= t.minGapDiff && !agree ? `the mean passes but the seeds disagree in sign (${diffs.map(fmtNum).join(', ')})` : undefined,
        info,
        chart: barChart({
          title: 'Train-test accuracy gap per seed',
          description: 'Training accuracy minus test accuracy at the end of each run.',
          rows, groupTitle: AXES.seed, seriesTitle: 'activation', yTitle: AXES.gap,
        }),
        caption: 'A taller PReLU bar means PReLU fits its 100 training points better than it generalises, more than ReLU does.',
      };
    },
  }),

  blowUp: define({
    doc: 'Activation RMS growth over depth for unbounded activations; range bound for bounded ones.',
    roles: { unbounded: 'many', bounded: 'many' },
    thresholds: ['minGrowth', 'maxViolations'],
    runs: true,
    params: none,
    evaluate({ t, many }) {
      const measures: Measure[] = [];
      const info: string[] = [];
      for (const c of many('unbounded')) {
        measures.push(atLeast(`${name(c)}: actRms of layer ${c.depth - 1} / layer 0 at step 0`, lastOverFirst(layersAt(c, 'initial'), (l) => l.actRms), t.minGrowth));
      }
      for (const c of many('bounded')) {
        const bound = boundOf(c.activation);
        const layers = layersAt(c, 'initial');
        const maxAbs = Math.max(...layers.map((l) => l.actMaxAbs ?? NaN));
        info.push(`${name(c)}: largest |a| ${fmtNum(maxAbs)} (bound ${bound ?? 'none'})`);
        measures.push(atMost(`${name(c)}: hidden layers with |a| above the bound ${bound ?? '?'}`, bound === null ? null : layers.filter((l) => (l.actMaxAbs ?? Infinity) > bound).length, t.maxViolations));
      }
      const cells = [...many('unbounded'), ...many('bounded')];
      return {
        measures,
        info,
        chart: lineChart({
          title: 'Activation RMS per layer at step 0, weights N(0, 1)',
          description: 'Root mean square of each hidden layer’s activation on the probe batch (log scale).',
          rows: cells.flatMap((c) => profile(name(c), layersAt(c, 'initial'), (l) => l.actRms)),
          xTitle: AXES.layer, xIntegers: true, yTitle: AXES.actRms, seriesTitle: AXES.series, logY: true, points: true,
        }),
        caption: 'ReLU and leaky ReLU climb by about 4x per layer; sigmoid, tanh and ReLU6 stay flat at their bounds.',
      };
    },
  }),

  meanCloserToZero: define({
    doc: 'Mean |actMean| over hidden layers, one activation over another, at step 0 and at the end.',
    roles: { relu: 'one', elu: 'one' },
    thresholds: ['maxRatio'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const relu = one('relu');
      const elu = one('elu');
      const m = (c: CellEvidence, w: Which): number | null => meanOver(layersAt(c, w), (l) => (l.actMean === undefined ? undefined : Math.abs(l.actMean)));
      return {
        measures: which.map((w) => atMost(`mean |actMean| ${name(elu)} / ${name(relu)} at ${whichLabel(w, elu)}`, ratioOf(m(elu, w), m(relu, w)), t.maxRatio)),
        info: which.map((w) => `mean |actMean| at ${whichLabel(w, elu)}: ${name(relu)} ${fmtNum(m(relu, w) ?? NaN)}, ${name(elu)} ${fmtNum(m(elu, w) ?? NaN)}`),
        chart: lineChart({
          title: 'Mean activation per layer',
          description: 'Mean activation on the probe batch per hidden layer, at step 0 and at the end.',
          rows: [relu, elu].flatMap((c) => which.flatMap((w) => profile(`${name(c)}, ${whichLabel(w, c)}`, layersAt(c, w), (l) => l.actMean))),
          xTitle: AXES.layer, xIntegers: true, yTitle: AXES.actMean, seriesTitle: AXES.series, points: true, rules: [{ y: 0, label: '0' }],
        }),
        caption: 'ELU’s negative outputs pull each layer’s mean toward 0.',
      };
    },
  }),

  selfNormalising: define({
    doc: 'Every hidden layer inside the SELU domain (mean, variance) at step 0.',
    roles: { net: 'one' },
    thresholds: ['maxAbsMean', 'minVar', 'maxVar'],
    runs: true,
    params: none,
    evaluate({ t, one, all }) {
      const c = one('net');
      const layers = layersAt(c, 'initial');
      const means = layers.map((l) => Math.abs(l.actMean ?? NaN));
      const vars = layers.map((l) => (l.actStd ?? NaN) ** 2);
      const ok = layers.length > 0 && means.every(Number.isFinite) && vars.every(Number.isFinite);
      return {
        measures: [
          atMost(`largest |mean| over the ${layers.length} hidden layers`, ok ? Math.max(...means) : null, t.maxAbsMean),
          atLeast('smallest variance over the hidden layers', ok ? Math.min(...vars) : null, t.minVar),
          atMost('largest variance over the hidden layers', ok ? Math.max(...vars) : null, t.maxVar),
        ],
        chart: seluChart(all(), 'variance', t),
        caption: 'LeCun-normal keeps every layer’s variance inside the band; the other initializers drift out of it.',
      };
    },
  }),

  leavesDomain: define({
    doc: 'The last hidden layer outside the SELU domain, for each run.',
    roles: { nets: 'many' },
    thresholds: ['maxAbsMean', 'minVar', 'maxVar'],
    runs: true,
    params: none,
    evaluate({ t, many, all }) {
      const measures: Measure[] = [];
      for (const c of many('nets')) {
        const layers = layersAt(c, 'initial');
        const last = layers[layers.length - 1];
        const m = last?.actMean;
        const v = last?.actStd === undefined ? undefined : last.actStd ** 2;
        if (m === undefined || v === undefined) {
          measures.push({ label: `${name(c)}: last hidden layer`, value: null, threshold: 'outside the domain', pass: null });
          continue;
        }
        const out = Math.abs(m) > t.maxAbsMean || v < t.minVar || v > t.maxVar;
        measures.push({
          label: `${name(c)}: layer ${last.layer} (mean ${fmtNum(m)}, variance ${fmtNum(v)})`,
          value: out ? 'outside' : 'inside',
          threshold: `outside |mean| <= ${t.maxAbsMean}, variance in [${t.minVar}, ${t.maxVar}]`,
          pass: out,
        });
      }
      return { measures, chart: seluChart(all(), 'variance', t), caption: 'Under He-normal and the standard initializer the variance runs away from the band.' };
    },
  }),

  seluFixedPoint: define({
    doc: "Mean and variance of selu(z), z ~ N(0, 1), by quadrature.",
    roles: {},
    thresholds: ['tol'],
    runs: false,
    params: none,
    evaluate({ t }) {
      const m = seluMoments(1);
      // The post's code applies lambda to the negative branch only.
      const wrong = (x: number): number => (x > 0 ? x : SELU_LAMBDA * SELU_ALPHA * Math.expm1(x));
      const wm = seluMomentsOf(wrong);
      const nus = grid(0.05, 3, 0.05);
      return {
        measures: [atMost('|E[selu(z)]|, z ~ N(0, 1)', Math.abs(m.mean), t.tol), atMost('|Var[selu(z)] - 1|', Math.abs(m.variance - 1), t.tol)],
        info: [`E = ${m.mean.toExponential(3)}, Var = ${(m.variance).toPrecision(12)}`, `the post's SELU code (lambda on x < 0 only) would give mean ${fmtNum(wm.mean)}, variance ${fmtNum(wm.variance)}`],
        chart: lineChart({
          title: 'SELU’s variance map',
          description: 'Var[selu(sqrt(nu) z)] against the input variance nu, with the identity line.',
          rows: [...[...nus].map((nu) => ({ series: 'Var[selu(√ν z)]', x: nu, y: seluMoments(nu).variance })), ...[...nus].map((nu) => ({ series: 'identity', x: nu, y: nu }))],
          xTitle: AXES.nu, yTitle: AXES.variance, seriesTitle: 'curve', rules: [{ x: 1, label: 'ν = 1' }],
        }),
        caption: 'The map crosses the identity at ν = 1 with a slope below 1: a fixed point that attracts.',
      };
    },
  }),

  seluAttracts: define({
    doc: 'Iterates of the SELU variance map from other starts.',
    roles: {},
    thresholds: ['tol'],
    runs: false,
    params: z.strictObject({ starts: z.array(z.number().positive()).min(1), iterations: z.int().min(1) }),
    evaluate({ params: p, t }) {
      const runs = p.starts.map((s) => ({ s, it: seluIterates(s, p.iterations) }));
      const measures: Measure[] = runs.flatMap(({ s, it }) => {
        const last = it[it.length - 1];
        return [atMost(`from ν = ${s}: |ν - 1| after ${p.iterations} layers`, Math.abs(last.variance - 1), t.tol), atMost(`from ν = ${s}: |mean| after ${p.iterations} layers`, Math.abs(last.mean), t.tol)];
      });
      return {
        measures,
        chart: lineChart({
          title: 'SELU’s variance through the layers',
          description: 'The variance of each layer’s activations when every layer applies the SELU map with normalised weights.',
          rows: runs.flatMap(({ s, it }) => it.map((r) => ({ series: `start ν = ${s}`, x: r.k, y: r.variance }))),
          xTitle: AXES.iteration, xIntegers: true, yTitle: AXES.variance, seriesTitle: 'start', points: true, rules: [{ y: 1, label: 'ν = 1' }],
        }),
        caption: 'Both starts settle on variance 1 within a few layers.',
      };
    },
  }),

  crelu: define({
    doc: "CReLU's width factor and pair structure, in the code and in a recorded run.",
    roles: { net: 'one' },
    thresholds: ['zeroTol'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const rows = 4096;
      const units = 16;
      const rng = createRng(0).fork('crelu');
      const z = new Float64Array(rows * units);
      for (let i = 0; i < z.length; i++) z[i] = i % 97 === 0 ? 0 : rng.normal();
      const a = new Float64Array(rows * units * 2).fill(NaN);
      ACTIVATIONS.crelu.forward(z, a, rows, units, {}, null);
      let badPairs = 0;
      let badZeros = 0;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < units; j++) {
          const x = z[r * units + j];
          const p0 = a[2 * r * units + j];
          const p1 = a[2 * r * units + units + j];
          const live = (p0 !== 0 ? 1 : 0) + (p1 !== 0 ? 1 : 0);
          if (x === 0 ? live !== 0 : live !== 1) x === 0 ? badZeros++ : badPairs++;
        }
      }
      const c = one('net');
      const config = c.run.config as unknown as ResolvedConfig;
      const w = config.model.width;
      const d = config.model.depth;
      const inputDim = 2;
      const classes = (config.data as { classes?: number }).classes ?? 3;
      const doubled = inputDim * w + w + (d - 1) * (2 * w * w + w) + 2 * w * classes + classes;
      // zeroFraction counts (example, unit) pairs where neither half passes gradient (reducers.ts),
      // so with one live half in every pair it is exactly 0.
      let worst = 0;
      for (const r of c.run.records) for (const l of hidden(r.layers, c.depth)) worst = Math.max(worst, l.zeroFraction ?? NaN);
      return {
        measures: [
          holds(
            `crelu.forward fills ${a.filter((v) => !Number.isNaN(v)).length} outputs for ${z.length} inputs (widthFactor ${ACTIVATIONS.crelu.widthFactor})`,
            a.every((v) => !Number.isNaN(v)) && ACTIVATIONS.crelu.widthFactor === 2,
            'twice as many',
          ),
          atMost('pairs with x != 0 where not exactly one half is non-zero', badPairs, 0),
          atMost('pairs with x = 0 where a half is non-zero', badZeros, 0),
          holds(`run parameter count ${c.summary?.params} = formula with fan-in 2 x ${w} (${doubled})`, c.summary?.params === doubled, `= ${doubled}`),
          atMost('largest zeroFraction (units with both halves off) over records and hidden layers', c.run.records.length && Number.isFinite(worst) ? worst : null, t.zeroTol),
        ],
        info: [`a ${units}-unit layer: ${rows * units} inputs, ${rows * units * 2} outputs; ${Math.ceil(z.length / 97)} inputs set to exactly 0`],
        chart: lineChart({
          title: 'CReLU units with both halves off, during training',
          description: 'zeroFraction of each hidden layer at each record: the share of (example, unit) pairs where neither half passes gradient.',
          rows: c.run.records.flatMap((r) => hidden(r.layers, c.depth).map((l) => ({ series: `layer ${l.layer}`, x: r.step, y: l.zeroFraction ?? null }))),
          xTitle: AXES.step, yTitle: AXES.bothOff, seriesTitle: 'layer', rules: [{ y: t.zeroTol, label: `tolerance ${t.zeroTol}` }],
        }),
        caption: 'Every layer stays at 0 throughout training: one half of each pair is always live, and the code check shows it is never both.',
      };
    },
  }),

  relu6Cap: define({
    doc: 'ReLU6 on a grid and in a recorded run with large pre-activations.',
    roles: { net: 'one' },
    thresholds: ['cap'],
    runs: true,
    params: z.strictObject(gridParams),
    evaluate({ params: p, t, one }) {
      const xs = grid(p.lo, p.hi, p.step);
      let max = -Infinity;
      let notCapped = 0;
      for (const x of xs) {
        const y = ACTIVATIONS.relu6.f(x, {});
        max = Math.max(max, y);
        if (x >= t.cap && y !== t.cap) notCapped++;
      }
      const c = one('net');
      let runMax = -Infinity;
      for (const r of c.run.records) for (const l of hidden(r.layers, c.depth)) runMax = Math.max(runMax, l.actMaxAbs ?? -Infinity);
      let over = 0;
      for (const h of c.run.histograms) for (const l of h.layers) if (l.layer < c.depth) over += l.a.over ?? 0;
      return {
        measures: [
          holds(`max relu6(x) over [${p.lo}, ${p.hi}] = ${max}`, max === t.cap, `= ${t.cap}`),
          atMost(`grid points x >= ${t.cap} with relu6(x) != ${t.cap}`, notCapped, 0),
          atMost(`largest recorded |a| in ${name(c)}`, Number.isFinite(runMax) ? runMax : null, t.cap),
          holds('the cap was reached in the run', runMax === t.cap, `= ${t.cap}`),
          atMost('recorded histogram values above the cap', c.run.histograms.length ? over : null, 0),
        ],
        chart: activationFigureSpec('relu6'),
        caption: figureCaption('relu6'),
      };
    },
  }),

  reluKink: define({
    doc: "ReLU's one-sided difference quotients at 0 and the stated convention.",
    roles: {},
    thresholds: ['tol'],
    runs: false,
    params: z.strictObject({ convention: z.number() }),
    evaluate({ params: p, t }) {
      const hs = Array.from({ length: 12 }, (_, k) => Number(`1e-${k + 1}`));
      const q = oneSidedQuotients('relu', 0, hs);
      const df0 = ACTIVATIONS.relu.df(0, {});
      const batched = batchedDerivative('relu', new Float64Array([0]))[0];
      const stated = ACTIVATIONS.relu.kink.includes(`f'(0) = ${p.convention}`);
      return {
        measures: [
          atMost('max |left quotient (f(0) - f(-h)) / h|', Math.max(...q.map((r) => Math.abs(r.left))), t.tol),
          atMost('max |right quotient (f(h) - f(0)) / h - 1|', Math.max(...q.map((r) => Math.abs(r.right - 1))), t.tol),
          holds(`registry kink note states f'(0) = ${p.convention}`, stated, 'stated'),
          holds(`relu.df(0) = ${df0}`, df0 === p.convention, `= ${p.convention}`),
          holds(`batched backward at z = 0 gives ${batched}`, batched === p.convention, `= ${p.convention}`),
        ],
        info: [`kink note: ${ACTIVATIONS.relu.kink}`],
        chart: lineChart({
          title: 'ReLU’s difference quotients at 0',
          description: 'Left and right difference quotients of relu at 0 for shrinking h.',
          rows: q.flatMap((r) => [{ series: 'left (f(0) - f(-h)) / h', x: r.h, y: r.left }, { series: 'right (f(h) - f(0)) / h', x: r.h, y: r.right }]),
          xTitle: AXES.h, yTitle: AXES.quotient, seriesTitle: 'quotient', logX: true, points: true,
        }),
        caption: 'The two quotients stay at 0 and 1 however small h gets: no derivative exists at 0; gradflow uses 0 there.',
      };
    },
  }),

  linearNet: define({
    doc: 'A deep identity network is affine and no better than logistic regression; non-linear ones solve the task.',
    roles: { linear: 'one', logistic: 'one', nonlinear: 'many' },
    thresholds: ['affineTol', 'maxGain', 'minSolved'],
    runs: true,
    params: none,
    evaluate({ t, one, many }) {
      const lin = one('linear');
      const log = one('logistic');
      const nl = many('nonlinear');
      const eId = affineError('identity');
      const eTanh = affineError('tanh');
      const acc = (c: CellEvidence): number | null => c.summary?.testAcc ?? null;
      const gain = acc(lin) !== null && acc(log) !== null ? acc(lin)! - acc(log)! : null;
      const cells = [lin, log, ...nl];
      return {
        measures: [
          atMost('identity MLP: relative deviation from an affine map', eId, t.affineTol),
          atLeast('tanh MLP: relative deviation from an affine map (contrast)', eTanh, 1e-3),
          atMost(`test accuracy, ${lin.ref} minus ${log.ref}`, gain, t.maxGain),
          ...nl.map((c) => atLeast(`${c.ref}: test accuracy`, acc(c), t.minSolved)),
        ],
        info: cells.map((c) => `${c.ref}: test accuracy ${fmtNum(acc(c) ?? NaN)}, training accuracy ${fmtNum(c.summary?.trainAcc ?? NaN)}`),
        chart: barChart({
          title: 'Accuracy on three spirals',
          description: 'Training and test accuracy at the end of each run.',
          rows: cells.flatMap((c) => [
            { group: c.ref.replace(/^claim-/, ''), series: 'train', value: c.summary?.trainAcc ?? null },
            { group: c.ref.replace(/^claim-/, ''), series: 'test', value: acc(c) },
          ]),
          groupTitle: 'model', seriesTitle: 'split', yTitle: AXES.accuracy, rules: [{ y: t.minSolved, label: `solved: ${t.minSolved}` }],
        }),
        caption: 'The deep identity network stays at the level of logistic regression; tanh and ReLU networks cross the "solved" line.',
      };
    },
  }),

  seluIsScaledElu: define({
    doc: 'selu(x) against lambda * elu(x; alpha) on a grid, and the slope for x > 0.',
    roles: {},
    thresholds: ['tol'],
    runs: false,
    params: z.strictObject(gridParams),
    evaluate({ params: p, t }) {
      let e = 0;
      for (const x of grid(p.lo, p.hi, p.step)) {
        e = Math.max(e, Math.abs(ACTIVATIONS.selu.f(x, {}) - SELU_LAMBDA * ACTIVATIONS.elu.f(x, { alpha: SELU_ALPHA })) / Math.max(1, Math.abs(x)));
      }
      return {
        measures: [
          atMost('max |selu(x) - lambda elu(x; alpha)| / max(1, |x|)', e, t.tol),
          atMost("|selu'(1) - lambda|", Math.abs(ACTIVATIONS.selu.df(1, {}) - SELU_LAMBDA), t.tol),
        ],
        chart: activationFigureSpec('selu'),
        caption: `${figureCaption('selu')} The slope for x > 0 is lambda = ${SELU_LAMBDA.toFixed(4)}.`,
      };
    },
  }),

  leakyIsMax: define({
    doc: 'leaky_relu against max(alpha x, x) on a grid, and its derivative on each side.',
    roles: {},
    thresholds: ['tol'],
    runs: false,
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
      return {
        measures: [atMost(`max |leaky_relu(x) - max(${p.alpha} x, x)|`, e, t.tol), atMost(`grid points with f' != ${p.alpha} (x < 0) or != 1 (x > 0)`, badSlope, 0)],
        chart: activationFigureSpec('leaky_relu', { params: ap }),
        caption: `${figureCaption('leaky_relu')} Drawn with alpha = ${p.alpha}, the post's default.`,
      };
    },
  }),

  forwardScale: define({
    doc: 'Fitted per-layer factor of the activation RMS at step 0 for two initializers.',
    roles: { he: 'one', lecun: 'one' },
    thresholds: ['heLo', 'heHi', 'lecunLo', 'lecunHi'],
    runs: true,
    params: none,
    evaluate({ t, one }) {
      const he = one('he');
      const lc = one('lecun');
      return {
        measures: [
          within(`${name(he)}: actGrowth at step 0`, pointOf(he.summary, 'initial')?.actGrowth ?? null, t.heLo, t.heHi),
          within(`${name(lc)}: actGrowth at step 0`, pointOf(lc.summary, 'initial')?.actGrowth ?? null, t.lecunLo, t.lecunHi),
        ],
        chart: lineChart({
          title: 'Activation RMS per layer at step 0',
          description: 'Root mean square of each hidden layer’s activation on the probe batch (log scale).',
          rows: [he, lc].flatMap((c) => profile(name(c), layersAt(c, 'initial'), (l) => l.actRms)),
          xTitle: AXES.layer, xIntegers: true, yTitle: AXES.actRms, seriesTitle: AXES.series, logY: true, points: true,
        }),
        caption: 'He-normal holds the scale; variance 1/n loses a factor sqrt(2) per layer.',
      };
    },
  }),

  derivativeDominates: define({
    doc: "Share of a grid where one activation's derivative is at least another's.",
    roles: {},
    thresholds: ['minShare'],
    runs: false,
    params: z.strictObject({ ...gridParams, upper: activationName, lower: activationName }),
    evaluate({ params: p, t }) {
      const d = dominance(p.upper, p.lower, grid(p.lo, p.hi, p.step));
      const up = ACTIVATIONS[p.upper];
      const lo = ACTIVATIONS[p.lower];
      const pu = activationParams(p.upper);
      const pl = activationParams(p.lower);
      const xs = grid(-6, 6, 0.05);
      return {
        measures: [atLeast(`share of [${p.lo}, ${p.hi}] where ${p.upper}' >= ${p.lower}'`, d.share, t.minShare)],
        info: [
          `the order flips at x = ${d.crossings.map(fmtNum).join(', ') || 'nowhere'} (grid step ${p.step})`,
          `peaks: ${p.upper}'(0) = ${fmtNum(up.df(0, pu))}, ${p.lower}'(0) = ${fmtNum(lo.df(0, pl))}`,
        ],
        chart: lineChart({
          title: `${p.upper}' against ${p.lower}'`,
          description: 'The two derivatives; dashed lines mark where their order flips.',
          rows: [...xs].flatMap((x) => [{ series: `${p.upper}'`, x, y: up.df(x, pu) }, { series: `${p.lower}'`, x, y: lo.df(x, pl) }]),
          xTitle: AXES.x, yTitle: AXES.dfx, seriesTitle: 'curve', rules: d.crossings.map((x) => ({ x, label: `x = ${fmtNum(x)}` })),
        }),
        caption: 'tanh’s derivative is the larger one only between the dashed lines; outside them sigmoid’s decays more slowly.',
      };
    },
  }),
} as const satisfies Record<string, CheckDef>;

export type CheckName = keyof typeof CHECKS;
export const CHECK_NAMES = Object.keys(CHECKS) as CheckName[];

/** Mean and variance of f(z), z ~ N(0, 1), by the quadrature seluMoments uses (split at the kink 0). */
function seluMomentsOf(f: (x: number) => number): { mean: number; variance: number } {
  const m = expectNormal(f, 1, [0]);
  return { mean: m, variance: expectNormal((x) => f(x) ** 2, 1, [0]) - m * m };
}

/** Per-layer variance (or mean) of every cell of the SELU config, with the accepted band. */
function seluChart(cells: readonly CellEvidence[], what: 'variance' | 'mean', t: Readonly<Record<string, number>>): Spec {
  return lineChart({
    title: what === 'variance' ? 'Activation variance per layer at step 0 (SELU)' : 'Mean activation per layer at step 0 (SELU)',
    description: 'Each hidden layer’s activation statistic on the probe batch; the band is the domain of Klambauer et al.’s Theorem 1.',
    rows: cells.flatMap((c) => profile(name(c), layersAt(c, 'initial'), (l) => (what === 'variance' ? (l.actStd === undefined ? undefined : l.actStd ** 2) : l.actMean))),
    xTitle: AXES.layer, xIntegers: true, yTitle: what === 'variance' ? `${AXES.variance} (log scale)` : AXES.actMean, seriesTitle: AXES.series, logY: what === 'variance', points: true,
    band: what === 'variance' ? { y0: t.minVar, y1: t.maxVar, label: 'domain' } : { y0: -t.maxAbsMean, y1: t.maxAbsMean, label: 'domain' },
  });
}
