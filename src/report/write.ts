/**
 * The reports of the folders a run or a merge wrote: each cell's report.html, then each
 * experiment's sweep report. A report that cannot be written is said (`onError`) and the others
 * are still written: the run's numbers are on disk, and `gradflow report` can retry.
 */
import { writeRunReport } from './run-report.js';
import { writeSweepReport } from './sweep-report.js';

export interface ReportTargets {
  /** Cell folders (each gets report.html). */
  readonly cells: readonly string[];
  /** Experiment folders (each gets the sweep report.html). */
  readonly experiments: readonly string[];
}

/** Writes the reports of `targets`, in order; resolves to the files written. */
export async function writeReports(targets: ReportTargets, onError: (dir: string, err: unknown) => void): Promise<string[]> {
  const written: string[] = [];
  const each = async (dirs: readonly string[], write: (dir: string) => Promise<string>): Promise<void> => {
    for (const dir of dirs) {
      try {
        written.push(await write(dir));
      } catch (err) {
        onError(dir, err);
      }
    }
  };
  await each(targets.cells, writeRunReport);
  await each(targets.experiments, writeSweepReport);
  return written;
}
