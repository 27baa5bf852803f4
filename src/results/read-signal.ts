/**
 * The signal-propagation parts of a cell folder read back: `<cell>/spectra.ndjson` (lines
 * `{"step", "example", "singularValues"}`, metrics.jacobian), summary.json's `spectra` block and
 * the theory block's `measuredCorrelation` (src/metrics/signal-probe.ts). Malformed lines and
 * entries are left out; a block that is not an object reads as absent.
 */
import { join } from 'node:path';
import type { CorrelationSummary, SpectraSummary } from '../metrics/signal-probe.js';
import type { SpectrumLine, SpectrumStep } from '../metrics/spectra.js';
import { SPECTRA_FILE } from './layout.js';
import { finite, isObject, MAX_NDJSON_BYTES, parseNdjson, readText, toNum } from './read.js';

export type { CorrelationSummary, SpectraSummary } from '../metrics/signal-probe.js';
export type { SpectrumLine, SpectrumStep } from '../metrics/spectra.js';

const nullable = (v: unknown): (number | null)[] => (Array.isArray(v) ? v.map(finite) : []);

/** Every well-formed line of `<cellDir>/spectra.ndjson`, by step then example; [] when there is no file. */
export function readSpectra(cellDir: string): SpectrumLine[] {
  const text = readText(join(cellDir, SPECTRA_FILE), MAX_NDJSON_BYTES);
  if (text === null) return [];
  const out: SpectrumLine[] = [];
  for (const item of parseNdjson(text).items) {
    if (!isObject(item)) continue;
    const step = finite(item.step);
    const example = finite(item.example);
    const s = item.singularValues;
    if (step === null || example === null || !Array.isArray(s)) continue;
    out.push({ step, example, singularValues: s.map((x) => toNum(x) ?? NaN) });
  }
  return out.sort((a, b) => a.step - b.step || a.example - b.example);
}

function toSpectrumStep(v: unknown): SpectrumStep | null {
  if (!isObject(v)) return null;
  const step = finite(v.step);
  const meanS2 = finite(v.meanS2);
  if (step === null || meanS2 === null) return null;
  return {
    step,
    examples: finite(v.examples) ?? 0,
    meanS2,
    varS2: finite(v.varS2) ?? NaN,
    max: finite(v.max) ?? NaN,
    min: finite(v.min) ?? NaN,
    condition: finite(v.condition),
    logJv2: nullable(v.logJv2),
  };
}

/** summary.spectra. */
export function toSpectraSummary(v: unknown): SpectraSummary | undefined {
  if (!isObject(v)) return undefined;
  return {
    examples: Array.isArray(v.examples) ? v.examples.filter((x): x is number => typeof x === 'number') : [],
    predictedMeanS2: finite(v.predictedMeanS2),
    beta: finite(v.beta) ?? NaN,
    steps: (Array.isArray(v.steps) ? v.steps : []).map(toSpectrumStep).filter((s): s is SpectrumStep => s !== null),
  };
}

/** summary.theory.measuredCorrelation. */
export function toCorrelationSummary(v: unknown): CorrelationSummary | undefined {
  if (!isObject(v)) return undefined;
  return {
    step: finite(v.step) ?? 0,
    pairs: finite(v.pairs) ?? 0,
    perLayer: nullable(v.perLayer),
    stdErr: nullable(v.stdErr),
    xiC: finite(v.xiC),
    fitLayers: finite(v.fitLayers) ?? 0,
  };
}
