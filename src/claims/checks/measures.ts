/**
 * Per-run quantities the comparison checks read by name, each with the protocol's rule for a run
 * that did not end ok (effects.ts): scored where the quantity has a worst value, left unmeasured
 * with a note where it has none.
 */
import { z } from 'zod';
import { blowUp, lossArea, testAcc, trainAcc, trainLoss } from '../effects.js';
import { pointValue } from '../predicates.js';
import { isOk, type Cell } from '../runs.js';
import { mean } from '../stats.js';
import { statusNote, type Valued } from './common.js';

export const MEASURE_NAMES = [
  'testAcc', 'trainAcc', 'trainLoss', 'lossArea', 'gap', 'blowUp', 'deadRise', 'finalDeadShare', 'revivedShare', 'slopeMove',
] as const;
export type MeasureName = (typeof MEASURE_NAMES)[number];
export const measureName = z.enum(MEASURE_NAMES);

const okOnly = (c: Cell, f: () => number | null, what: string): Valued =>
  isOk(c) ? { value: f(), note: `${c.ref}: no ${what}` } : { value: null, note: statusNote(c) };

function revivedShare(c: Cell): Valued {
  let died = 0;
  let revived = 0;
  for (const d of c.summary?.deadUnits ?? []) {
    if (d.layer >= c.depth) continue;
    died += d.died;
    revived += d.unitsRevived;
  }
  return died > 0 ? { value: revived / died } : { value: null, note: `${c.ref}: no unit died` };
}

function slopeMove(c: Cell): Valued {
  const s = c.summary?.preluSlopes;
  if (!s || !s.initial.length || s.initial.length !== s.final.length) return { value: null, note: `${c.ref}: no learned slopes` };
  return { value: mean(s.final.map((f, l) => Math.abs((mean(f) ?? NaN) - (mean(s.initial[l]) ?? NaN)))) };
}

/** The quantity `name` of one run. */
export function measureOf(name: MeasureName, c: Cell): Valued {
  switch (name) {
    case 'testAcc':
      return { value: testAcc(c), note: statusNote(c) };
    case 'trainAcc':
      return { value: trainAcc(c), note: statusNote(c) };
    case 'trainLoss':
      return okOnly(c, () => trainLoss(c), 'training loss');
    case 'lossArea':
      return { value: lossArea(c), note: statusNote(c) };
    case 'gap':
      return okOnly(c, () => (c.summary?.trainAcc != null && c.summary.testAcc != null ? c.summary.trainAcc - c.summary.testAcc : null), 'accuracies');
    case 'blowUp':
      return { value: blowUp(c), note: `${c.ref}: no activation growth recorded` };
    case 'deadRise':
      return okOnly(c, () => {
        const a = pointValue(c, 'initial', 'deadFraction');
        const b = pointValue(c, 'final', 'deadFraction');
        return a === null || b === null ? null : b - a;
      }, 'dead share');
    case 'finalDeadShare':
      return okOnly(c, () => pointValue(c, 'final', 'deadFraction'), 'dead share');
    case 'revivedShare':
      return isOk(c) ? revivedShare(c) : { value: null, note: statusNote(c) };
    case 'slopeMove':
      return isOk(c) ? slopeMove(c) : { value: null, note: statusNote(c) };
  }
}

/** Words for a measure in captions: "test accuracy". */
export const MEASURE_WORDS: Record<MeasureName, string> = {
  testAcc: 'test accuracy',
  trainAcc: 'training accuracy',
  trainLoss: 'training loss at the end',
  lossArea: 'mean training loss over the run',
  gap: 'train - test accuracy',
  blowUp: 'log10 growth of the activation RMS over training',
  deadRise: 'rise of the dead share',
  finalDeadShare: 'dead share at the end',
  revivedShare: 'units revived / units died',
  slopeMove: 'mean |slope change|',
};

