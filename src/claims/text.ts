/**
 * The fixed words of `gradflow claims` and `gradflow check`: errors in the claims file (each
 * saying where, what was found and what is allowed), log lines, headings of the claims report,
 * axis titles and the table `check` prints. Sentences about results are built from the numbers
 * in prose.ts.
 */
import { shorten } from '../messages.js';
import type { Verdict } from './schema.js';

// Errors in the claims file.
export const claimsFileUnreadable = (file: string, why: string): string => `${file}: cannot read the claims file (${why})`;
export const claimsFileJson = (file: string, why: string): string => `${file}: not valid JSON (${why})`;
export const claimsField = (file: string, at: string, why: string): string => `${file}: ${at}: ${why}`;
export const unknownCheck = (id: string, check: string, known: readonly string[]): string =>
  `claim ${id}: check "${check}" is not a check; known: ${known.join(', ')}`;
export const wrongKind = (id: string, check: string, kind: string, checkKind: string): string =>
  `claim ${id}: check "${check}" is an ${checkKind} check; the claim's kind is "${kind}"`;
export const missingThreshold = (id: string, check: string, name: string): string =>
  `claim ${id}: thresholds.${name} is missing; check "${check}" needs it`;
export const unknownThreshold = (id: string, check: string, name: string, allowed: readonly string[]): string =>
  `claim ${id}: thresholds.${name} is not read by check "${check}"; it reads ${allowed.length ? allowed.join(', ') : 'none'}`;
export const missingRole = (id: string, check: string, role: string): string =>
  `claim ${id}: arms.${role} is missing; check "${check}" reads an arm in that role`;
export const unknownRole = (id: string, check: string, role: string, allowed: readonly string[]): string =>
  `claim ${id}: arms.${role} is not a role of check "${check}"; its roles: ${allowed.length ? allowed.join(', ') : 'none'}`;
export const roleArity = (id: string, role: string, many: boolean): string =>
  `claim ${id}: arms.${role} must be ${many ? 'a list of arms' : 'one arm (a string)'}`;
export const unknownArm = (id: string, ref: string, known: readonly string[]): string =>
  `claim ${id}: arms: "${ref}" is not an arm of a study; arms: ${known.join(', ')}`;
export const gateRole = (id: string, role: string, roles: readonly string[]): string =>
  `claim ${id}: gate: "${role}" is not one of its roles (${roles.join(', ')})`;
export const mixedSeeds = (id: string, counts: readonly string[]): string =>
  `claim ${id}: its arms come from studies with different numbers of evaluation seeds (${counts.join(', ')}); samples are paired by seed`;
export const badParams = (id: string, check: string, why: string): string => `claim ${id}: params for check "${check}": ${why}`;
export const configMissing = (study: string, config: string, path: string): string =>
  `study ${study}: config ${config} does not exist (looked for ${path})`;
export const armInvalid = (study: string, arm: string, why: string): string => `study ${study}: arm ${arm} does not make a valid config: ${why}`;
export const unknownOnly = (only: string, known: readonly string[]): string =>
  `--only ${shorten(only)}: no such claim; claims: ${known.join(', ')}`;
export const badSeedBase = (value: unknown, max: number): string =>
  `--seed-base: ${JSON.stringify(value)} is not allowed; give an integer from 0 to ${max} (tuning seeds start above it)`;
export const missingRun = (ref: string): string => `no run for ${ref} (did it fail?)`;

// Claims log.
export const trainingStudy = (study: string, arms: number, cells: number, workers: number): string =>
  `claims: study ${study}: training ${arms} arm${arms === 1 ? '' : 's'} (${cells} runs) on ${workers} worker${workers === 1 ? '' : 's'}`;
export const runsNotOk = (refs: readonly string[]): string =>
  `claims: ${refs.length} run(s) did not end with status ok (${refs.slice(0, 8).join(', ')}${refs.length > 8 ? ', ...' : ''}); the claims score them as the protocol says`;
export const verdictLine = (id: string, verdict: Verdict, expected: Verdict, summary: string): string =>
  `  ${id.padEnd(4)} ${verdict.padEnd(15)}${verdict === expected ? '' : ` (EXPECTED ${expected})`}  ${summary}`;
export const heading = (what: string): string => `claims: ${what}`;
export function claimsDone(
  c: { identity: Readonly<Record<string, number>>; empirical: Readonly<Record<string, number>>; untestable: number },
  wallSec: number,
  cpuSec: number,
  file: string,
): string {
  return `claims: identities ${c.identity.holds} hold, ${c.identity.fails} fail; empirical ${c.empirical.reproduced} reproduced, ` +
    `${c.empirical['not reproduced']} not reproduced, ${c.empirical.inconclusive} inconclusive; ${c.untestable} untestable ` +
    `(${wallSec.toFixed(1)} s wall, ${cpuSec.toFixed(1)} s CPU) -> ${file}`;
}
export const unexpectedClaims = (ids: readonly string[]): string => `claims: verdict differs from the expected one: ${ids.join(', ')}`;
export const interrupted = (): string => 'claims: training was interrupted; no verdicts written (the finished runs are under runs/)';

// Tuning.
export const tuningStudy = (study: string, runs: number): string => `tune: study ${study}: ${runs} runs on the tuning seeds`;
export const tuningChoice = (study: string, arm: string, lr: number, scores: string): string => `tune: ${study}/${arm}: lr ${lr} (scores by lr: ${scores})`;
export const tuningWrote = (file: string): string => `tune: wrote ${file}`;
export const noTuning = (known: readonly string[]): string => `tune: no study to tune; studies with a grid: ${known.join(', ')}`;

// The claims report.
export const PAGE = {
  title: 'gradflow: the post’s claims, measured',
  kicker: 'gradflow claims',
  heading: 'Claims of “Some Basic Activation Functions”, measured',
  intro:
    'Every statement the post makes about how an activation behaves, and a few from the papers it cites, is a claim here. ' +
    'Identities are true by algebra or by construction: they check gradflow’s code against the formula and say nothing about the post. ' +
    'Empirical claims are the reproductions: an effect measured on several evaluation seeds, its 95% interval, and a threshold ' +
    'written down before the runs; reproduced when the interval lies beyond the threshold, not reproduced when it lies on the other side, ' +
    'inconclusive otherwise (or when an arm did not train). The protocol is in docs/claims.md.',
  empirical: 'Empirical claims (reproductions)',
  identities: 'Identities (consistency checks of the code)',
  untestable: 'Not testable here',
  errata: 'Errata: the post’s code, figures and text, measured',
  tableNote: 'Click a column heading to sort; the claim id links to its section.',
  heads: {
    id: 'claim', claim: 'statement', effect: 'effect (estimate [95% interval])', threshold: 'threshold', arms: 'arms (lr, trained, diverged)',
    seeds: 'seeds', measured: 'measured', verdict: 'verdict', reason: 'why not testable',
  },
  measuresHeads: { measure: 'measured quantity', value: 'value', threshold: 'threshold', pass: 'meets it' },
  armsHeads: { arm: 'arm', role: 'role', lr: 'learning rate', seeds: 'seeds', acc: 'mean test accuracy', trained: 'trained', diverged: 'diverged' },
  seedsHeads: { seed: 'seed', value: 'effect', note: 'note' },
  statement: 'Statement',
  metric: 'Measured',
  predicate: 'Predicate',
  reason: 'Why this threshold',
  notes: 'Notes',
  why: 'Why the expected outcome',
  runs: 'Runs',
  expected: (v: Verdict): string => `expected: ${v}`,
  verdictFor: (id: string, title: string, verdict: Verdict): string => `${id}. ${title} — ${verdict}`,
  footer: (wallSec: number, cpuSec: number, claims: string, seedBase: number): string =>
    `Written by \`gradflow claims --seed-base ${seedBase}\` in ${wallSec.toFixed(1)} s (${cpuSec.toFixed(1)} s CPU) from ${claims} and the runs under runs/.`,
  yes: 'yes',
  no: 'no',
  notMeasured: 'not measured',
  notGated: 'not gated',
} as const;

export const AXES = {
  layer: 'hidden layer (0 = next to the input)',
  step: 'training step',
  deltaNorm: '‖dL/dz‖ (log scale)',
  deltaNorm2: '‖dL/dz‖² (log scale)',
  depth: 'hidden layers (log scale)',
  streamGrowth: 'E[h_last²] / E[h_0²] (log scale)',
  gradNorm: '‖dL/dW‖ (log scale)',
  actRms: 'activation RMS (log scale)',
  actMean: 'mean activation',
  actGrowth: 'per-layer factor of the activation RMS',
  preactStd: 'pre-activation std',
  centring: '|mean| / RMS of the activation',
  moment: 'mean or variance of the activations',
  variance: 'activation variance',
  departure: 'largest departure D from the domain',
  log10Ratio: 'log10 ratio, layer 0 over the last hidden layer',
  zeroFraction: 'share of probe pairs with a = 0',
  bothOff: 'share of (example, unit) pairs with both halves off',
  deadFraction: 'dead share of the hidden units',
  updateRatio: '‖ΔW‖ / ‖W‖ per step, first half of the layers (log scale)',
  loss: 'batch loss (mean cross-entropy)',
  accuracy: 'test accuracy',
  ratio: 'time ratio per round',
  maxAbs: 'largest |a|',
  deviation: 'relative deviation (log scale)',
  gap1: '1 - tanh(x) (log scale)',
  series: 'run',
  arm: 'arm',
  x: 'x',
  fx: 'f(x)',
  dfx: "f'(x)",
  h: 'h (log scale)',
  quotient: 'difference quotient',
  iteration: 'layer (iteration of the map)',
  nu: 'input variance ν',
  slope: 'learned slope (layer mean)',
  seed: 'seed',
  count: 'units',
  effect: 'effect',
} as const;

// `gradflow check`.
export const CHECK = {
  running: (n: number): string => `check: rerunning ${n} baseline experiment${n === 1 ? '' : 's'}`,
  noBaselines: (dir: string): string => `check: no baselines in ${dir}; run \`gradflow check --update\` to write them`,
  unknownOnly: (name: string, known: readonly string[]): string => `check: no baseline named ${name}; baselines: ${known.join(', ')}`,
  configGone: (name: string, path: string): string => `check: baseline ${name}: its config ${path} does not exist`,
  heads: ['experiment/cell', 'metric', 'baseline', 'now', 'tolerance', ''] as const,
  regression: 'REGRESSION',
  withinTolerance: 'within tolerance',
  missingCell: 'cell missing',
  newCell: 'new cell',
  missingMetric: 'metric missing',
  newMetric: 'new metric',
  allSame: (n: number, metrics: number, sec: number): string =>
    `check: ${n} cells, ${metrics} metrics, all as in the baselines (${sec.toFixed(1)} s)`,
  moved: (moved: number, regressions: number, sec: number): string =>
    `check: ${moved} metric(s) moved, ${regressions} beyond tolerance (${sec.toFixed(1)} s)`,
  updated: (files: readonly string[]): string => `check: wrote ${files.join(', ')}`,
  runFailed: 'check: some baseline runs failed; their cells are compared as they ended',
  refuseUpdate: (cells: readonly string[]): string =>
    `check --update: not writing the baselines: ${cells.length} cell(s) did not end ok (${cells.join(', ')}); ` +
    'a baseline records a working run. Fix the run, or pass --accept-failed to record them as they ended',
} as const;
