/**
 * Empirical checks on where activations sit, per evaluation seed:
 *
 *   centred         the largest offset of a net's mean activation from its centre (tanh: 0,
 *                   sigmoid: 1/2), averaged over hidden layers, at step 0 and at the end
 *   centringRatio   the centring index c = mean over hidden layers of |actMean| / actRms (scale
 *                   free, so a net whose pre-activations grow is not penalised for its scale),
 *                   one arm over another, the largest over step 0 and the end
 *   sparseEarlier   zeroFraction of one arm minus another's at the first record after a share
 *                   of training; the cap being reached is a precondition
 */
import { z } from 'zod';
import { layersAt, meanOver, hidden, type Which, WHICH } from '../predicates.js';
import { cellAt, cellsAt, isOk, type Cell } from '../runs.js';
import { AXES } from '../text.js';
import type { Measure } from '../types.js';
import { curvesFigure, perSeed, profileFigure, recordMean, statusNote } from './common.js';
import { empirical } from './types.js';

const whichName = (w: Which): string => (w === 'initial' ? 'step 0' : 'end');

export const centred = empirical({
  doc: 'Largest mean offset from the centre (0 for `zero`, 1/2 for `half`) over both nets and both points, per seed.',
  roles: { zero: 'one', half: 'one' },
  params: z.strictObject({}),
  evaluate({ arm, seeds }) {
    const zero = arm('zero');
    const half = arm('half');
    const off = (c: Cell, w: Which, centre: number): number | null => meanOver(layersAt(c, w), (l) => (l.actMean === undefined ? undefined : Math.abs(l.actMean - centre)));
    const samples = perSeed(seeds, (s) => {
      const a = cellAt(zero, s);
      const b = cellAt(half, s);
      if (!isOk(a) || !isOk(b)) return { value: null, note: statusNote(isOk(a) ? b : a) };
      const vs = WHICH.flatMap((w) => [off(a, w, 0), off(b, w, 0.5)]);
      return vs.every((v): v is number => v !== null) ? { value: Math.max(...vs) } : { value: null, note: 'no mean activation' };
    });
    return {
      samples,
      figures: [profileFigure({
        title: `Mean activation per layer, seed ${seeds[0]}`, what: 'Mean activation on the probe batch', yTitle: AXES.actMean,
        series: [zero, half].flatMap((x) => WHICH.map((w) => ({ name: `${x.ref}, ${whichName(w)}`, layers: layersAt(cellAt(x, seeds[0]), w) }))),
        f: (l) => l.actMean, rules: [{ y: 0, label: '0' }, { y: 0.5, label: '1/2' }],
      })],
    };
  },
});

/** mean over hidden layers of |actMean| / actRms at a point. */
export function centringIndex(c: Cell, w: Which): number | null {
  return meanOver(layersAt(c, w), (l) => (l.actMean === undefined || !(l.actRms! > 0) ? undefined : Math.abs(l.actMean) / l.actRms!));
}

export const centringRatio = empirical({
  doc: 'Centring index (mean |actMean| / actRms over hidden layers) of one arm over another, the largest over step 0 and the end, per seed.',
  roles: { closer: 'one', other: 'one' },
  params: z.strictObject({}),
  evaluate({ arm, seeds }) {
    const closer = arm('closer');
    const other = arm('other');
    const samples = perSeed(seeds, (s) => {
      const a = cellAt(closer, s);
      const b = cellAt(other, s);
      if (!isOk(a) || !isOk(b)) return { value: null, note: statusNote(isOk(a) ? b : a) };
      const rs = WHICH.map((w) => {
        const x = centringIndex(a, w);
        const y = centringIndex(b, w);
        return x !== null && y !== null && y > 0 ? x / y : null;
      });
      return rs.every((r): r is number => r !== null) ? { value: Math.max(...rs) } : { value: null, note: 'no activation statistics' };
    });
    const preact = (c: Cell): number | undefined => layersAt(c, 'initial').at(-1)?.preactStd;
    const first = [closer, other].map((x) => cellAt(x, seeds[0]));
    return {
      samples,
      info: [`pre-activation std of the last hidden layer at step 0, seed ${seeds[0]}: ${first.map((c) => `${c.ref} ${preact(c)?.toPrecision(4) ?? 'n/a'}`).join(', ')} (the scale the centring index divides out)`],
      figures: [
        profileFigure({
          title: `|mean| / RMS of the activation per layer, seed ${seeds[0]}`, what: 'Centring index (0: centred)', yTitle: AXES.centring,
          series: first.flatMap((c) => WHICH.map((w) => ({ name: `${c.ref}, ${whichName(w)}`, layers: layersAt(c, w) }))),
          f: (l) => (l.actMean === undefined || !(l.actRms! > 0) ? undefined : Math.abs(l.actMean) / l.actRms!),
        }),
        profileFigure({
          title: `Pre-activation std per layer at step 0, seed ${seeds[0]}`, what: 'Pre-activation std on the probe batch', yTitle: AXES.preactStd,
          series: first.map((c) => ({ name: c.ref, layers: layersAt(c, 'initial') })), f: (l) => l.preactStd,
        }),
      ],
    };
  },
});

export const sparseEarlier = empirical({
  doc: 'zeroFraction (mean over hidden layers) of one arm minus another at the first record after a share of training, per seed; the cap must be reached.',
  roles: { capped: 'one', plain: 'one' },
  params: z.strictObject({ atShare: z.number().gt(0).lt(1), cap: z.number().positive() }),
  evaluate({ params: p, arm, seeds }) {
    const capped = arm('capped');
    const plain = arm('plain');
    const zeroAt = (c: Cell): number | null => {
      const steps = c.records.length ? c.records[c.records.length - 1].step : 0;
      const r = c.records.find((x) => x.step >= p.atShare * (c.summary?.steps ?? steps) && x.step > 0);
      return r === undefined ? null : recordMean(r, c, (l) => l.zeroFraction);
    };
    const samples = perSeed(seeds, (s) => {
      const a = cellAt(capped, s);
      const b = cellAt(plain, s);
      if (!isOk(a) || !isOk(b)) return { value: null, note: statusNote(isOk(a) ? b : a) };
      const x = zeroAt(a);
      const y = zeroAt(b);
      return { value: x !== null && y !== null ? x - y : null, note: 'no zero fraction at that point' };
    });
    let reached = 0;
    let largest = 0;
    for (const c of capped.cells.filter((x) => seeds.includes(x.seed))) {
      let at = false;
      for (const r of c.records) for (const l of hidden(r.layers, c.depth)) {
        largest = Math.max(largest, l.actMaxAbs ?? 0);
        if ((l.actMaxAbs ?? 0) >= p.cap) at = true;
      }
      if (at) reached++;
    }
    const pre: Measure[] = [{ label: `${capped.ref}: runs whose activations reach the cap ${p.cap} (largest recorded ${largest.toPrecision(4)})`, value: reached, threshold: '>= 1', pass: reached >= 1 }];
    const sets = [capped, plain].map((a) => ({ name: a.ref, cells: cellsAt(a, seeds) }));
    return {
      samples,
      preconditions: pre,
      figures: [curvesFigure({ title: 'Share of zero activations during training', what: 'Mean over hidden layers of zeroFraction at each record', yTitle: AXES.zeroFraction, arms: sets, f: (r, c) => recordMean(r, c, (l) => l.zeroFraction) })],
    };
  },
});
