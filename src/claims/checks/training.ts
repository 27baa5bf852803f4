/**
 * Empirical checks on trained arms, one sample per evaluation seed:
 *
 *   compare     reduce over the `better` arms of combine(m(better), m(baseline)), combine a
 *               difference or a ratio of one per-run measure (measures.ts), reduce min or max;
 *               optional preconditions: an arm's mean of a measure over the seeds reaches a
 *               minimum (the control learns; the nets have not all fitted the training set)
 *               or stays under a maximum (the plain net of a remedy claim does not train)
 *   level       reduce over `arms` of one per-run measure
 *   saturation  test accuracy, control minus saturated net, with the saturated share at step 0
 *               as a precondition
 *
 * Figures: the training loss (or dead share) over steps, mean over seeds, per arm.
 */
import { z } from 'zod';
import type { MetricRecord } from '../../metrics/types.js';
import { fmtNum, hidden, layersAt, meanOver } from '../predicates.js';
import { cellAt, cellsAt, type ArmRuns, type Cell } from '../runs.js';
import { mean } from '../stats.js';
import { AXES } from '../text.js';
import type { Figure, Measure } from '../types.js';
import { curvesFigure, perSeed, recordMean, type Valued } from './common.js';
import { MEASURE_WORDS, measureName, measureOf, type MeasureName } from './measures.js';
import { empirical } from './types.js';

const FIGURES = ['loss', 'dead', 'slopes', 'accuracy'] as const;
type FigureKind = (typeof FIGURES)[number];

const reduceOf = (r: 'min' | 'max', xs: readonly number[]): number => (r === 'min' ? Math.min(...xs) : Math.max(...xs));

function combine(how: 'difference' | 'ratio', a: Valued, b: Valued): Valued {
  if (a.value === null) return a;
  if (b.value === null) return b;
  if (how === 'difference') return { value: a.value - b.value };
  return b.value === 0 ? { value: null, note: 'ratio to 0' } : { value: a.value / b.value };
}

/** The figures of a set of trained arms. */
export function trainingFigures(kind: FigureKind, arms: readonly ArmRuns[], seeds: readonly number[]): Figure[] {
  const sets = arms.map((a) => ({ name: a.ref, cells: cellsAt(a, seeds) }));
  const f: Record<FigureKind, () => Figure> = {
    loss: () => curvesFigure({ title: 'Training loss', what: 'Batch loss at each record', yTitle: AXES.loss, arms: sets, f: (r: MetricRecord) => r.loss }),
    accuracy: () => curvesFigure({ title: 'Test accuracy', what: 'Test accuracy at each evaluation', yTitle: AXES.accuracy, arms: sets, f: (r: MetricRecord) => r.testAcc ?? null }),
    dead: () => curvesFigure({ title: 'Dead share during training', what: 'Mean over hidden layers of deadFraction at each record', yTitle: AXES.deadFraction, arms: sets, f: (r, c) => recordMean(r, c, (l) => l.deadFraction) }),
    slopes: () => curvesFigure({ title: 'Learned PReLU slopes', what: 'Mean over hidden layers of the learned slope at each record', yTitle: AXES.slope, arms: sets, f: (r, c) => recordMean(r, c, (l) => l.preluSlope) }),
  };
  return [f[kind]()];
}

export const compare = empirical({
  doc: 'A per-run measure of one or more arms against a baseline arm, paired by seed: difference or ratio, reduced over the arms by min or max.',
  roles: { better: 'many', baseline: 'one' },
  params: z.strictObject({
    measure: measureName,
    combine: z.enum(['difference', 'ratio']),
    reduce: z.enum(['min', 'max']).default('min'),
    figure: z.enum(FIGURES).default('loss'),
    minimums: z.array(z.strictObject({ role: z.enum(['better', 'baseline']), measure: measureName, min: z.number() })).default([]),
    maximums: z.array(z.strictObject({ role: z.enum(['better', 'baseline']), measure: measureName, max: z.number() })).default([]),
  }),
  evaluate({ params: p, arms, arm, seeds }) {
    const better = arms('better');
    const base = arm('baseline');
    const bound = (role: 'better' | 'baseline', measure: MeasureName, op: '>=' | '<=', t: number): Measure[] =>
      (role === 'better' ? better : [base]).map((a) => {
        const v = mean(cellsAt(a, seeds).map((c) => measureOf(measure, c).value ?? NaN));
        return { label: `${a.ref}: mean ${MEASURE_WORDS[measure]} over the seeds`, value: v, threshold: `${op} ${t}`, pass: v === null ? null : op === '>=' ? v >= t : v <= t };
      });
    const pre: Measure[] = [
      ...p.minimums.flatMap((req) => bound(req.role, req.measure, '>=', req.min)),
      ...p.maximums.flatMap((req) => bound(req.role, req.measure, '<=', req.max)),
    ];
    const m = (c: Cell): Valued => measureOf(p.measure, c);
    const samples = perSeed(seeds, (s) => {
      const vs = better.map((b) => combine(p.combine, m(cellAt(b, s)), m(cellAt(base, s))));
      const bad = vs.find((v) => v.value === null);
      return bad ?? { value: reduceOf(p.reduce, vs.map((v) => v.value!)) };
    });
    const info = [...better, base].map((a) => {
      const vals = seeds.map((s) => {
        try {
          return m(cellAt(a, s)).value;
        } catch {
          return null;
        }
      });
      return `${a.ref}: ${MEASURE_WORDS[p.measure]} per seed ${vals.map(fmtNum).join(', ')}`;
    });
    return { samples, info, preconditions: pre, figures: trainingFigures(p.figure, [...better, base], seeds) };
  },
});

export const level = empirical({
  doc: 'A per-run measure of one or more arms, reduced over the arms by min or max, per seed.',
  roles: { arms: 'many' },
  params: z.strictObject({ measure: measureName, reduce: z.enum(['min', 'max']).default('min'), figure: z.enum(FIGURES).default('loss') }),
  evaluate({ params: p, arms, seeds }) {
    const list = arms('arms');
    const samples = perSeed(seeds, (s) => {
      const vs = list.map((a) => measureOf(p.measure, cellAt(a, s)));
      const bad = vs.find((v) => v.value === null);
      return bad ?? { value: reduceOf(p.reduce, vs.map((v) => v.value!)) };
    });
    return { samples, figures: trainingFigures(p.figure, list, seeds) };
  },
});

/** Mean over the first half of the hidden layers of the update ratio, over the records after step 0. */
function earlyUpdate(c: Cell): number | null {
  const half = Math.max(1, Math.floor(c.depth / 2));
  return mean(c.records.filter((r) => r.step > 0).map((r) => meanOver(hidden(r.layers, c.depth).filter((l) => l.layer < half), (l) => l.updateRatio) ?? NaN));
}

export const saturation = empirical({
  doc: 'Test accuracy of a control net minus that of a saturated net, per seed; the saturated share at step 0 is a precondition.',
  roles: { control: 'one', saturated: 'one' },
  params: z.strictObject({ minSaturated: z.number().min(0).max(1) }),
  evaluate({ params: p, arm, seeds }) {
    const ctrl = arm('control');
    const sat = arm('saturated');
    const samples = perSeed(seeds, (s) => combine('difference', measureOf('testAcc', cellAt(ctrl, s)), measureOf('testAcc', cellAt(sat, s))));
    const share = mean(cellsAt(sat, seeds).map((c) => meanOver(layersAt(c, 'initial'), (l) => l.saturatedFraction) ?? NaN));
    const pre: Measure[] = [{ label: `${sat.ref}: mean saturated share at step 0`, value: share, threshold: `>= ${p.minSaturated}`, pass: share === null ? null : share >= p.minSaturated }];
    const upd = (a: ArmRuns): string => fmtNum(mean(cellsAt(a, seeds).map((c) => earlyUpdate(c) ?? NaN)));
    return {
      samples,
      preconditions: pre,
      info: [`mean update ratio of the first half of the hidden layers: ${sat.ref} ${upd(sat)}, ${ctrl.ref} ${upd(ctrl)}`],
      figures: [
        ...trainingFigures('accuracy', [ctrl, sat], seeds),
        curvesFigure({
          title: 'How much the first half of the layers moves per step', what: 'Mean update ratio of the first half of the hidden layers at each record',
          yTitle: AXES.updateRatio, logY: true,
          arms: [ctrl, sat].map((a) => ({ name: a.ref, cells: cellsAt(a, seeds) })),
          f: (r, c) => (r.step === 0 ? null : meanOver(hidden(r.layers, c.depth).filter((l) => l.layer < Math.max(1, Math.floor(c.depth / 2))), (l) => l.updateRatio)),
        }),
      ],
    };
  },
});
