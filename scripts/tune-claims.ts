/**
 * Re-runs the learning-rate tuning of the claims' studies (src/claims/tune.ts) on the tuning
 * seeds and prints the chosen rates; with --write it records them in experiments/claims.json.
 *
 *   npx tsx scripts/tune-claims.ts [--only mnist,spirals] [--workers 2] [--out results] [--write]
 */
import { runTuning } from '../src/claims/tune.js';

const args = process.argv.slice(2);
const value = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = value('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
const workers = Number(value('--workers') ?? 2);
await runTuning({ only, workers, out: value('--out') ?? 'results', write: args.includes('--write') });
