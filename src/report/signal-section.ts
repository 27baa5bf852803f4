/**
 * The "Signal propagation" section of a run's report: the Jacobian's spectrum per step with the
 * numbers users quote (and the mean-field mean of s^2 at initialisation), and the correlation of
 * two inputs against layer with the correlation map iterated from the measured first layer.
 * The map's curve is computed here from the theory block (q_l, sigma_w^2, sigma_b^2, c*) and
 * the activation in config.json, so old runs re-render without training.
 */
import { ACTIVATION_NAMES, activationParams, type ActivationName } from '../net/activations.js';
import { fitDecayLength } from '../metrics/correlation-probe.js';
import { scalarActivation } from '../metrics/theory.js';
import { correlationTrajectory } from '../metrics/theory-signal.js';
import type { Chart, Section } from './html.js';
import type { SpectrumLine } from '../results/read-signal.js';
import type { RunData } from './read.js';
import { activationOf, correlationOf, type CorrelationData } from './read-signal.js';
import { correlationSpec, log10Rows, pickSteps, spectrumSpec } from './specs/signal.js';
import { SIGNAL_CHARTS, SIGNAL_HEADING, SIGNAL_NOTES } from './text-signal.js';

/** The map's c_l from the measured c_0, or null when the activation or the theory is missing. */
export function predictedCorrelation(run: RunData, c: CorrelationData): (number | null)[] | null {
  const act = activationOf(run.config);
  const c0 = c.measured[0];
  if (act === null || c0 === null || c0 === undefined || c.sigmaW2 === null || c.sigmaB2 === null || c.qPerLayer.length === 0) return null;
  if (!(ACTIVATION_NAMES as readonly string[]).includes(act.name)) return null;
  const name = act.name as ActivationName;
  let params;
  try {
    params = activationParams(name, act.params);
  } catch {
    return null;
  }
  return correlationTrajectory(scalarActivation(name, params), c.sigmaW2, c.sigmaB2, c.qPerLayer, c0).map((v) => (Number.isFinite(v) ? v : null));
}

function spectrumChart(run: RunData, lines: readonly SpectrumLine[]): Chart {
  const steps = pickSteps(lines.map((l) => l.step));
  const shown = new Set(steps);
  const block = run.summary?.spectra ?? null;
  const notes: string[] = [];
  const total = new Set(lines.map((l) => l.step)).size;
  if (steps.length < total) notes.push(SIGNAL_NOTES.stepsShown(steps.length, total));
  for (const s of block?.steps ?? []) {
    if (!shown.has(s.step)) continue;
    const predicted = s.step === 0 ? block?.predictedMeanS2 ?? null : null;
    notes.push(SIGNAL_NOTES.spectrumStep(s.step, s.meanS2, predicted, s.varS2, s.max, s.min, s.condition, s.examples));
  }
  if (block?.predictedMeanS2 !== null && block?.predictedMeanS2 !== undefined) notes.push(SIGNAL_NOTES.theoryMeanS2);
  const { zeros, total: values } = log10Rows(lines.filter((l) => shown.has(l.step)), () => '');
  if (zeros > 0) notes.push(SIGNAL_NOTES.zeroSingular(zeros, values));
  return { id: 'jacobian-spectrum', text: SIGNAL_CHARTS.spectrum, spec: spectrumSpec(lines, steps), notes };
}

function correlationChart(run: RunData, c: CorrelationData): Chart {
  const predicted = predictedCorrelation(run, c);
  const predictedFit = predicted !== null && c.cStar !== null && c.fitLayers >= 3
    ? fitDecayLength(predicted.slice(0, c.fitLayers), null, c.cStar).xi
    : null;
  return {
    id: 'correlation-decay',
    text: SIGNAL_CHARTS.correlation,
    spec: correlationSpec({ measured: c.measured, stdErr: c.stdErr, predicted, cStar: c.cStar }),
    notes: [SIGNAL_NOTES.xiC(c.theoryXiC, c.measuredXiC, predictedFit, c.fitLayers)],
  };
}

/** The section, or null when the run has neither spectra nor measured correlations. */
export function runSignalSection(run: RunData, lines: readonly SpectrumLine[]): Section | null {
  const c = correlationOf(run.summary);
  if (lines.length === 0 && c === null) return null;
  const charts: Chart[] = [];
  const notes: string[] = [];
  if (lines.length) charts.push(spectrumChart(run, lines));
  else notes.push(SIGNAL_NOTES.noSpectra);
  if (c !== null && c.measured.some((v) => v !== null)) charts.push(correlationChart(run, c));
  else notes.push(SIGNAL_NOTES.noCorrelation);
  return { heading: SIGNAL_HEADING, charts, notes };
}
