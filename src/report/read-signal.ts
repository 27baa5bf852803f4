/**
 * Defensive readers for what the signal-propagation instruments write: `<cell>/spectra.ndjson`
 * (lines `{"step", "example", "singularValues"}`), summary.json's `spectra` block and the theory
 * block's `measuredCorrelation` and correlation-map inputs. Each returns empty or null when its
 * part is absent or not understood, and the report then says so.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Summary } from '../metrics/types.js';
import { finite, isObject, parseNdjson, type JsonObject } from './read.js';

/** A spectra.ndjson line. */
export interface SpectrumLineData {
  readonly step: number;
  readonly example: number;
  readonly singularValues: readonly number[];
}

/** Every valid line of `<dir>/spectra.ndjson`, sorted by step then example; [] when the file is absent. */
export async function readSpectra(dir: string): Promise<SpectrumLineData[]> {
  let text: string;
  try {
    text = await readFile(join(dir, 'spectra.ndjson'), 'utf8');
  } catch {
    return [];
  }
  const out: SpectrumLineData[] = [];
  for (const item of parseNdjson(text).items) {
    if (!isObject(item)) continue;
    const step = finite(item.step);
    const example = finite(item.example);
    const s = item.singularValues;
    if (step === null || example === null || !Array.isArray(s)) continue;
    out.push({ step, example, singularValues: s.map((v) => (typeof v === 'number' ? v : NaN)) });
  }
  return out.sort((a, b) => a.step - b.step || a.example - b.example);
}

/** One step of summary.json `spectra.steps`. */
export interface SpectrumStepData {
  readonly step: number;
  readonly examples: number;
  readonly meanS2: number;
  readonly varS2: number;
  readonly max: number;
  readonly min: number;
  readonly condition: number | null;
  /** ln ||J e_1||^2 per example (finite ones). */
  readonly logJv2: readonly number[];
}

export interface SpectraBlock {
  readonly predictedMeanS2: number | null;
  readonly beta: number | null;
  readonly steps: readonly SpectrumStepData[];
}

const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : []);
const nullableNumbers = (v: unknown): (number | null)[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : null)) : []);

/** summary.spectra, or null. */
export function spectraBlockOf(summary: Summary | null): SpectraBlock | null {
  const b = summary?.spectra;
  if (!isObject(b)) return null;
  const steps: SpectrumStepData[] = [];
  for (const s of Array.isArray(b.steps) ? b.steps : []) {
    if (!isObject(s)) continue;
    const step = finite(s.step);
    const meanS2 = finite(s.meanS2);
    if (step === null || meanS2 === null) continue;
    steps.push({
      step, meanS2,
      examples: finite(s.examples) ?? 0,
      varS2: finite(s.varS2) ?? NaN,
      max: finite(s.max) ?? NaN,
      min: finite(s.min) ?? NaN,
      condition: finite(s.condition),
      logJv2: numbers(s.logJv2),
    });
  }
  return { predictedMeanS2: finite(b.predictedMeanS2), beta: finite(b.beta), steps };
}

/** The theory block's numbers the correlation chart and the phase diagram need. */
export interface CorrelationData {
  readonly measured: readonly (number | null)[];
  readonly stdErr: readonly (number | null)[];
  readonly pairs: number;
  /** The measured decay length and the layers fitted. */
  readonly measuredXiC: number | null;
  readonly fitLayers: number;
  readonly theoryXiC: number | null;
  readonly cStar: number | null;
  readonly sigmaW2: number | null;
  readonly sigmaB2: number | null;
  readonly qPerLayer: readonly number[];
}

/** summary.theory.measuredCorrelation with the theory numbers beside it, or null. */
export function correlationOf(summary: Summary | null): CorrelationData | null {
  const t = summary?.theory;
  if (!isObject(t)) return null;
  const m = t.measuredCorrelation;
  if (!isObject(m)) return null;
  return {
    measured: nullableNumbers(m.perLayer),
    stdErr: nullableNumbers(m.stdErr),
    pairs: finite(m.pairs) ?? 0,
    measuredXiC: finite(m.xiC),
    fitLayers: finite(m.fitLayers) ?? 0,
    theoryXiC: finite(t.xiC),
    cStar: finite(t.cStar),
    sigmaW2: finite(t.sigmaW2),
    sigmaB2: finite(t.sigmaB2),
    qPerLayer: numbers(t.qPerLayer),
  };
}

/** The theory block's sigma_w^2, sigma_b^2, xi_c and chi_1 (for the sweep charts), or null. */
export function theoryNumbersOf(summary: Summary | null): { sigmaW2: number; sigmaB2: number; chi1: number | null; xiC: number | null } | null {
  const t = summary?.theory;
  if (!isObject(t)) return null;
  const sigmaW2 = finite(t.sigmaW2);
  const sigmaB2 = finite(t.sigmaB2);
  if (sigmaW2 === null || sigmaB2 === null) return null;
  return { sigmaW2, sigmaB2, chi1: finite(t.chi1), xiC: finite(t.xiC) };
}

/** The hidden activation's name and parameters as config.json states them ({"name": ..., params} or a name). */
export function activationOf(config: JsonObject | null): { name: string; params: Record<string, number | boolean> } | null {
  const model = config !== null && isObject(config.model) ? config.model : null;
  const a = model?.activation;
  if (typeof a === 'string') return { name: a, params: {} };
  if (!isObject(a) || typeof a.name !== 'string') return null;
  const params: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(a)) if (k !== 'name' && (typeof v === 'number' || typeof v === 'boolean')) params[k] = v;
  return { name: a.name, params };
}
