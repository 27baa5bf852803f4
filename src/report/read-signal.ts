/**
 * What the signal-propagation charts take from a run as src/results reads it: the theory
 * block's correlation-map inputs beside the measured correlations, its sigma_w^2 and sigma_b^2,
 * and the activation named in config.json. The spectra themselves come from
 * results/read-signal.ts (`readSpectra`, `summary.spectra`).
 */
import { isObject, type JsonObject } from '../results/read.js';
import type { Summary } from '../results/types.js';

/** The numbers the correlation chart needs. */
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

const orNull = (x: number | null | undefined): number | null => (x !== null && x !== undefined && Number.isFinite(x) ? x : null);

/** summary.theory.measuredCorrelation with the theory numbers beside it, or null. */
export function correlationOf(summary: Summary | null): CorrelationData | null {
  const t = summary?.theory;
  const m = t?.measuredCorrelation;
  if (t === null || t === undefined || m === undefined) return null;
  return {
    measured: m.perLayer,
    stdErr: m.stdErr,
    pairs: m.pairs,
    measuredXiC: m.xiC,
    fitLayers: m.fitLayers,
    theoryXiC: orNull(t.xiC),
    cStar: orNull(t.cStar),
    sigmaW2: orNull(t.sigmaW2),
    sigmaB2: orNull(t.sigmaB2),
    qPerLayer: t.qPerLayer.filter((q) => Number.isFinite(q)),
  };
}

/** The theory block's sigma_w^2, sigma_b^2, chi_1 and xi_c (for the sweep charts), or null. */
export function theoryNumbersOf(summary: Summary | null): { sigmaW2: number; sigmaB2: number; chi1: number | null; xiC: number | null } | null {
  const t = summary?.theory;
  if (t === null || t === undefined) return null;
  const sigmaW2 = orNull(t.sigmaW2);
  const sigmaB2 = orNull(t.sigmaB2);
  if (sigmaW2 === null || sigmaB2 === null) return null;
  return { sigmaW2, sigmaB2, chi1: orNull(t.chi1), xiC: orNull(t.xiC) };
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
