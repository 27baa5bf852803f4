/**
 * Every user-facing string of `gradflow claims` and `gradflow check`: errors in the claims file
 * (each saying where, what was found and what is allowed), log lines, the words of the claims
 * report and the table `check` prints. Checks name their own chart titles next to their data.
 */
import { shorten } from '../messages.js';
import type { Verdict } from './schema.js';

// Errors in the claims file.
export const claimsFileUnreadable = (file: string, why: string): string => `${file}: cannot read the claims file (${why})`;
export const claimsFileJson = (file: string, why: string): string => `${file}: not valid JSON (${why})`;
export const claimsField = (file: string, at: string, why: string): string => `${file}: ${at}: ${why}`;
export const unknownCheck = (id: string, check: string, known: readonly string[]): string =>
  `claim ${id}: check "${check}" is not a check; known: ${known.join(', ')}`;
export const missingThreshold = (id: string, check: string, name: string): string =>
  `claim ${id}: thresholds.${name} is missing; check "${check}" needs it`;
export const unknownThreshold = (id: string, check: string, name: string, allowed: readonly string[]): string =>
  `claim ${id}: thresholds.${name} is not read by check "${check}"; it reads ${allowed.join(', ')}`;
export const missingRole = (id: string, check: string, role: string): string =>
  `claim ${id}: cells.${role} is missing; check "${check}" reads a cell in that role`;
export const unknownRole = (id: string, check: string, role: string, allowed: readonly string[]): string =>
  `claim ${id}: cells.${role} is not a role of check "${check}"; its roles: ${allowed.length ? allowed.join(', ') : 'none'}`;
export const roleArity = (id: string, role: string, many: boolean): string =>
  `claim ${id}: cells.${role} must be ${many ? 'a list of cells' : 'one cell (a string)'}`;
export const badParams = (id: string, check: string, why: string): string => `claim ${id}: params for check "${check}": ${why}`;
export const configMissing = (id: string, config: string, path: string): string =>
  `claim ${id}: configs: ${config} does not exist (looked for ${path})`;
export const configInvalid = (id: string, config: string, why: string): string => `claim ${id}: configs: ${config} does not load: ${why}`;
export const cellConfigNotListed = (id: string, ref: string, experiment: string): string =>
  `claim ${id}: cells: ${ref} names experiment "${experiment}", which none of the claim's configs defines`;
export const cellMissing = (id: string, ref: string, known: readonly string[]): string =>
  `claim ${id}: cells: ${ref} is not a cell of its config; cells: ${known.join(', ')}`;
export const analyticWithConfigs = (id: string, check: string): string =>
  `claim ${id}: check "${check}" measures the activation code itself and reads no runs; configs must be []`;
export const runWithoutConfigs = (id: string, check: string): string => `claim ${id}: check "${check}" reads runs; configs must list at least one`;
export const unknownOnly = (only: string, known: readonly string[]): string =>
  `--only ${shorten(only)}: no such claim; claims: ${known.join(', ')}`;

// Claims log.
export const missingCell = (ref: string): string => `no results for cell ${ref} (did its run fail?)`;
export const runningConfigs = (n: number, cells: number, workers: number): string =>
  `claims: training ${n} configs (${cells} cells) on ${workers} worker${workers === 1 ? '' : 's'}`;
export const runsNotOk = (refs: readonly string[]): string =>
  `claims: ${refs.length} run(s) did not end with status ok (${refs.join(', ')}); the checks read them as they ended`;
export const verdictLine = (id: string, verdict: Verdict, expected: Verdict, summary: string): string =>
  `  ${id.padEnd(4)} ${verdict.padEnd(15)}${verdict === expected ? '' : ` (expected ${expected})`}  ${summary}`;
export const claimsDone = (counts: Readonly<Record<Verdict, number>>, sec: number, file: string): string =>
  `claims: ${counts.reproduced} reproduced, ${counts['not reproduced']} not reproduced, ${counts.inconclusive} inconclusive in ${sec.toFixed(1)} s -> ${file}`;
export const unexpectedClaims = (ids: readonly string[]): string =>
  `claims: expected to be reproduced but not: ${ids.join(', ')}`;
export const betterThanExpected = (id: string, expected: Verdict): string =>
  `claims: claim ${id} was reproduced although the claims file expects "${expected}"; update its expected outcome`;
export const checkError = (id: string, err: unknown): string => `claim ${id}: the check failed: ${err instanceof Error ? err.message : String(err)}`;

// The claims report.
export const PAGE = {
  title: 'gradflow: the post’s claims, reproduced',
  kicker: 'gradflow claims',
  heading: 'Claims of “Some Basic Activation Functions”, measured',
  intro:
    'Every statement the post makes about how an activation behaves, and a few from the papers it cites, ' +
    'is a claim with a measurement and a threshold written down before the runs. A claim is reproduced when ' +
    'every measured value meets its threshold, not reproduced when one does not (the numbers say by how much), ' +
    'and inconclusive when the measurement cannot decide.',
  overview: 'All claims',
  tableCaption:
    'Click a column heading to sort. The claim id links to its chart and section, where every measured value and every run’s report is listed; ' +
    'the measured column shows the values that missed their threshold, or the first ones when all met theirs.',
  met: (k: number, n: number): string => `${k} of ${n} measured values meet their thresholds`,
  heads: { id: 'claim', claim: 'statement', section: 'post section', evidence: 'evidence', measured: 'measured', threshold: 'threshold', verdict: 'verdict' },
  analytic: 'analytic (src/net activation code)',
  errata: 'Errata: where the post’s code disagrees with its own text',
  errataIntro:
    'gradflow follows the post’s formulas (and the cited papers), not its code or figures, where they disagree. Each item names the claim whose measurement shows the correct behaviour.',
  errataClaims: 'shown by claim',
  measuresHeads: { measure: 'measured quantity', value: 'value', threshold: 'threshold', pass: 'meets it' },
  statement: 'Statement',
  metric: 'Measured',
  predicate: 'Predicate',
  reason: 'Why this threshold',
  notes: 'Notes',
  why: 'Why the expected outcome',
  runs: 'Runs',
  expected: (v: Verdict): string => `expected: ${v}`,
  verdictFor: (id: string, title: string, verdict: Verdict): string => `${id}. ${title} — ${verdict}`,
  footer: (wallSec: number, claims: string): string =>
    `Written by \`gradflow claims\` in ${wallSec.toFixed(1)} s from ${claims} and the runs under runs/; thresholds are pre-registered in that file.`,
  yes: 'yes',
  no: 'no',
  notMeasured: 'not measured',
} as const;

/**
 * Where the post's code, figures or text disagree with its own formulas or the cited papers, with
 * the claim whose measurement shows the correct behaviour.
 */
export const ERRATA: readonly { readonly section: string; readonly text: string; readonly claims: readonly string[] }[] = [
  {
    section: 'Exponential Linear (ELU, SELU)',
    text: 'The SELU code scales only the negative branch by lambda and returns plain x for x >= 0; the formula above it (and Klambauer et al. 2017) scale both branches, so the slope for x > 0 is lambda ~ 1.0507. With the code\'s version (0, 1) is no longer a fixed point.',
    claims: ['23', '18c'],
  },
  {
    section: 'Exponential Linear (ELU, SELU)',
    text: 'The SELU figure marks the lower asymptote at -1; with both constants it is -lambda alpha ~ -1.7581.',
    claims: ['3'],
  },
  {
    section: 'Exponential Linear (ELU, SELU)',
    text: 'The text says ELU bends its negative part along a log curve; the formula is alpha (e^x - 1), an exponential that levels off at -alpha.',
    claims: ['3'],
  },
  {
    section: 'ReLU-6',
    text: 'The ReLU-6 plotting code draws plain ReLU instead of its relu_6 function, so the figure never flattens; the function is capped at 6 from x = 6 on.',
    claims: ['20'],
  },
  {
    section: 'Rectified Linear Unit (ReLU)',
    text: 'The text shows that the derivative of ReLU does not exist at 0 (one-sided limits 0 and 1), yet its derivative code returns 1 there. An implementation has to pick a value; gradflow, like PyTorch, uses 0 and says so.',
    claims: ['21'],
  },
  {
    section: 'Hyperbolic Tangent Function',
    text: 'The text gives tanh\'s range once as the closed [-1, 1] and once, through its formula, as the open (-1, 1); the function never reaches +-1 (float64 rounds onto them for |x| > 19).',
    claims: ['3'],
  },
];

export const AXES = {
  layer: 'hidden layer (0 = next to the input)',
  step: 'training step',
  deltaNorm: '‖dL/dz‖ (log scale)',
  gradNorm: '‖dL/dW‖ (log scale)',
  actRms: 'activation RMS (log scale)',
  actMean: 'mean activation',
  variance: 'activation variance',
  zeroFraction: 'share of probe pairs with a = 0',
  bothOff: 'share of (example, unit) pairs with both halves off',
  deadFraction: 'dead share of the hidden units',
  updateRatio: '‖ΔW‖ / ‖W‖ per step, first half of the layers (log scale)',
  loss: 'batch loss (mean cross-entropy)',
  accuracy: 'accuracy',
  ratio: 'time ratio per round',
  series: 'run',
  x: 'x',
  fx: 'f(x)',
  dfx: "f'(x)",
  h: 'h (log scale)',
  quotient: 'difference quotient',
  iteration: 'layer (iteration of the map)',
  nu: 'input variance ν',
  slope: 'learned slope (layer mean)',
  gap: 'train − test accuracy',
  seed: 'seed',
  count: 'units',
} as const;

// `gradflow check`.
export const CHECK = {
  running: (n: number, cells: number): string => `check: rerunning ${n} baseline experiments (${cells} cells)`,
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
} as const;
