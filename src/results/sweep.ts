/** Writing sweep-summary.json from the summary.json of each cell (statistics in stats.ts). */
import { join } from 'node:path';
import { SWEEP_SUMMARY_FILE } from './layout.js';
import { orNull } from './read.js';
import { readSummary } from './read-summary.js';
import { summarizeSweep, type CellOutcome } from './stats.js';
import { writeJsonAtomic } from './write.js';

/**
 * Writes `<expDir>/sweep-summary.json` over `cells` (folder `<expDir>/<id>`); a cell whose
 * summary.json is missing or unreadable counts with its status only. Returns the file's path.
 */
export function writeSweepSummary(expDir: string, experiment: string, cells: readonly Omit<CellOutcome, 'summary'>[]): string {
  const outcomes = cells.map((c) => ({ ...c, summary: orNull(() => readSummary(join(expDir, c.id))) }));
  const file = join(expDir, SWEEP_SUMMARY_FILE);
  writeJsonAtomic(file, summarizeSweep(experiment, outcomes));
  return file;
}
