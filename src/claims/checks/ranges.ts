/**
 * Identity checks on output ranges: the registry's declared range against the post's, every grid
 * value and every recorded activation inside it, ReLU6's cap in the code and in a run that
 * reaches it, and whether every activation of the post is bounded ("squashing").
 */
import { z } from 'zod';
import { ACTIVATIONS, SELU_ALPHA, SELU_LAMBDA, activationParams, resolveActivationName } from '../../net/activations.js';
import { activationFigureSpec } from '../../report/specs/figures.js';
import { barChart, lineChart, type LineRow } from '../../report/specs/claims.js';
import { grid, normaliseRangeText, rangeStudy, rangeText } from '../analytic.js';
import { atLeast, atMost, fmtNum, hidden, holds, layersAt } from '../predicates.js';
import * as prose from '../prose.js';
import type { ArmRuns, Cell } from '../runs.js';
import { AXES } from '../text.js';
import type { Measure } from '../types.js';
import { activationName, gridParams } from './common.js';
import { identity } from './types.js';

/** The largest |f| an activation can reach, when both ends of its range are finite. */
export function boundOf(activation: string): number | null {
  const n = resolveActivationName(activation);
  if (n === undefined) return null;
  const r = ACTIVATIONS[n].range(activationParams(n));
  return Number.isFinite(r.lo) && Number.isFinite(r.hi) ? Math.max(Math.abs(r.lo), Math.abs(r.hi)) : null;
}

/** Recorded values outside an activation's range, over every histogram and record of the cells. */
function recordedViolations(cells: readonly Cell[], lo: number, hi: number, bound: number | null): { checked: number; violations: number } {
  let checked = 0;
  let violations = 0;
  for (const c of cells) {
    for (const h of c.histograms) {
      for (const l of h.layers) {
        if (l.layer >= c.depth) continue;
        checked += l.a.counts.reduce((a, b) => a + b, 0) + (l.a.under ?? 0) + (l.a.over ?? 0);
        if (Number.isFinite(lo)) violations += l.a.under ?? 0;
        if (Number.isFinite(hi)) violations += l.a.over ?? 0;
      }
    }
    if (bound !== null) for (const r of c.records) for (const l of hidden(r.layers, c.depth)) if ((l.actMaxAbs ?? 0) > bound) violations++;
  }
  return { checked, violations };
}

export const outputRanges = identity({
  doc: 'Declared, grid and recorded output ranges of several activations.',
  roles: { nets: 'many' },
  thresholds: ['maxViolations', 'nearTol'],
  params: z.strictObject({ ...gridParams, ranges: z.partialRecord(activationName, z.string()) }),
  evaluate({ params: p, t, arms }) {
    const xs = grid(p.lo, p.hi, p.step);
    const measures: Measure[] = [];
    const info: string[] = [];
    const cells = arms('nets').flatMap((a: ArmRuns) => a.cells);
    const chartRows: LineRow[] = [];
    const rules: { y: number; label: string }[] = [];
    for (const [key, stated] of Object.entries(p.ranges)) {
      const n = activationName.parse(key);
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
      const own = cells.filter((c) => c.activation === n);
      if (own.length > 0) {
        const r = recordedViolations(own, s.declared.lo, s.declared.hi, boundOf(n));
        measures.push(
          r.checked > 0
            ? atMost(`${n}: recorded values outside the range (${r.checked} values in ${own.length} runs)`, r.violations, t.maxViolations)
            : { label: `${n}: recorded values outside the range`, value: null, threshold: `<= ${t.maxViolations}`, pass: null },
        );
      }
      for (const x of grid(-8, 8, 0.1)) chartRows.push({ series: n, x, y: ACTIVATIONS[n].f(x, ap) });
      for (const v of [s.declared.lo, s.declared.hi]) if (Number.isFinite(v) && !rules.some((q) => q.y === v)) rules.push({ y: v, label: fmtNum(v) });
    }
    return {
      measures,
      info,
      figures: [{
        spec: lineChart({
          title: 'Activations and the ends of their ranges',
          description: 'Each function over [-8, 8]; dashed lines mark the finite ends of the stated ranges.',
          rows: chartRows, xTitle: AXES.x, yTitle: AXES.fx, seriesTitle: 'activation', rules,
        }),
        caption: prose.measuresCaption(`The functions over [-8, 8] with the finite ends of their stated ranges; the check covers [${p.lo}, ${p.hi}] and ${cells.length} runs`, measures),
      }],
    };
  },
});

export const boundedStays = identity({
  doc: 'Bounded activations stay inside their bound in every hidden layer of a run with too-large weights.',
  roles: { nets: 'many' },
  thresholds: ['maxViolations'],
  params: z.strictObject({}),
  evaluate({ t, arms }) {
    const measures: Measure[] = [];
    const values: { name: string; value: number | null }[] = [];
    for (const a of arms('nets')) {
      const bound = a.cells.length ? boundOf(a.cells[0].activation) : null;
      let over = 0;
      let largest = 0;
      for (const c of a.cells) {
        for (const l of layersAt(c, 'initial')) {
          largest = Math.max(largest, l.actMaxAbs ?? NaN);
          if (bound === null || !((l.actMaxAbs ?? Infinity) <= bound)) over++;
        }
      }
      measures.push(atMost(`${a.ref}: hidden layers with |a| above the bound ${bound ?? '(none)'} over ${a.cells.length} seeds`, a.cells.length ? over : null, t.maxViolations));
      values.push({ name: a.ref, value: Number.isFinite(largest) ? largest : null });
    }
    return {
      measures,
      figures: [{
        spec: barChart({
          title: 'Largest activation at step 0, weights N(0, 1)',
          description: 'The largest |a| over the hidden layers and seeds of each run.',
          rows: values.map((v) => ({ group: v.name, series: 'largest |a|', value: v.value })), groupTitle: AXES.arm, seriesTitle: 'quantity', yTitle: AXES.maxAbs,
        }),
        caption: prose.measuresCaption(prose.valuesCaption('Largest |a| over the hidden layers and seeds', values), measures),
      }],
    };
  },
});

export const relu6Cap = identity({
  doc: 'ReLU6 on a grid and in recorded runs whose pre-activations pass 6.',
  roles: { net: 'one' },
  thresholds: ['cap'],
  params: z.strictObject(gridParams),
  evaluate({ params: p, t, arm }) {
    const xs = grid(p.lo, p.hi, p.step);
    let max = -Infinity;
    let notCapped = 0;
    for (const x of xs) {
      const y = ACTIVATIONS.relu6.f(x, {});
      max = Math.max(max, y);
      if (x >= t.cap && y !== t.cap) notCapped++;
    }
    const cells = arm('net').cells;
    let runMax = -Infinity;
    let over = 0;
    for (const c of cells) {
      for (const r of c.records) for (const l of hidden(r.layers, c.depth)) runMax = Math.max(runMax, l.actMaxAbs ?? -Infinity);
      for (const h of c.histograms) for (const l of h.layers) if (l.layer < c.depth) over += l.a.over ?? 0;
    }
    const measures = [
      holds(`max relu6(x) over [${p.lo}, ${p.hi}] = ${max}`, max === t.cap, `= ${t.cap}`),
      atMost(`grid points x >= ${t.cap} with relu6(x) != ${t.cap}`, notCapped, 0),
      atMost(`largest recorded |a| over ${cells.length} runs of ${arm('net').ref}`, Number.isFinite(runMax) ? runMax : null, t.cap),
      holds('the cap was reached in the runs', runMax === t.cap, `= ${t.cap}`),
      atMost('recorded histogram values above the cap', cells.some((c) => c.histograms.length) ? over : null, 0),
    ];
    return {
      measures,
      figures: [{ spec: activationFigureSpec('relu6'), caption: prose.measuresCaption(`relu6 and its derivative; the largest value on the grid is ${fmtNum(max)} and the largest recorded activation ${fmtNum(runMax)}`, measures) }],
    };
  },
});

export const squashing = identity({
  doc: 'Whether each activation maps the real line into a bounded range.',
  roles: {},
  thresholds: [],
  params: z.strictObject({ activations: z.array(activationName).min(1), at: z.number().positive() }),
  evaluate({ params: p }) {
    const rows: { group: string; series: string; value: number | null }[] = [];
    const measures = p.activations.map((n) => {
      const ap = activationParams(n);
      const r = ACTIVATIONS[n].range(ap);
      const reach = Math.max(Math.abs(ACTIVATIONS[n].f(p.at, ap)), Math.abs(ACTIVATIONS[n].f(-p.at, ap)));
      rows.push({ group: n, series: `max |f(±${p.at})|`, value: reach });
      return holds(`${n}: range ${rangeText(r)} is bounded (max |f(±${p.at})| = ${fmtNum(reach)})`, Number.isFinite(r.lo) && Number.isFinite(r.hi), 'bounded');
    });
    return {
      measures,
      figures: [{
        spec: barChart({ title: `How far each activation reaches at x = ±${p.at}`, description: 'max |f(x)| at x = ±at, log scale.', rows, groupTitle: 'activation', seriesTitle: 'quantity', yTitle: AXES.maxAbs, logY: true }),
        caption: prose.measuresCaption(`max |f(±${p.at})| per activation`, measures),
      }],
    };
  },
});
