/**
 * `gradflow report <dir>` and `gradflow figures`: re-render reports from what is on disk. Every
 * failure is one line: a folder that is not a run, a file refused by its reader (over its read
 * limit, naming a path outside the folder) or a folder that cannot be written are bad input
 * (exit 2, checked before anything is written); a write that fails after all (a full disk) is
 * exit 1, its temporary file removed.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as msg from '../messages.js';
import { writeFigures } from '../report/gallery.js';
import { writeRunReport } from '../report/run-report.js';
import { writeSweepReport } from '../report/sweep-report.js';
import { INDEX_FILE, METRICS_FILE } from '../results/layout.js';
import { outputProblem, placeProblem } from '../results/place.js';
import { ResultsFileError } from '../results/read.js';
import { OutputError } from '../results/write.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, type ExitCode, type Io } from './io.js';

/** Runs `write`; a refused input file or a failed write is said in one line and gives its exit code. */
async function written(io: Io, write: () => Promise<string>): Promise<string | ExitCode> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof ResultsFileError) {
      io.fail([err.message]);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof OutputError) {
      io.fail([err.message]);
      return EXIT_FAILED;
    }
    throw err;
  }
}

/** Re-renders the report of a cell folder (with metrics.ndjson) or an experiment folder (with index.json). */
export async function reportCommand(o: { readonly dir: string; readonly quiet: boolean }, io: Io): Promise<ExitCode> {
  const dir = resolve(o.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    io.fail([msg.notARunFolder(dir)]);
    return EXIT_BAD_INPUT;
  }
  let write: (dir: string) => Promise<string>;
  if (existsSync(join(dir, INDEX_FILE))) write = writeSweepReport;
  else if (existsSync(join(dir, METRICS_FILE))) write = writeRunReport;
  else {
    io.fail([msg.notARunFolder(dir)]);
    return EXIT_BAD_INPUT;
  }
  const place = placeProblem(dir);
  if (place !== null) {
    io.fail([msg.reportFolderUnusable(place.at, place.reason)]);
    return EXIT_BAD_INPUT;
  }
  const file = await written(io, () => write(dir));
  if (typeof file !== 'string') return file;
  if (!o.quiet) io.log(file);
  return EXIT_OK;
}

/** Draws every activation and its derivative into <out>/figures/index.html. */
export async function figuresCommand(o: { readonly out: string; readonly quiet: boolean }, io: Io): Promise<ExitCode> {
  const dir = resolve(o.out, 'figures');
  const place = outputProblem(o.out, dir);
  if (place !== null) {
    io.fail([place]);
    return EXIT_BAD_INPUT;
  }
  const file = await written(io, () => writeFigures(dir));
  if (typeof file !== 'string') return file;
  if (!o.quiet) io.log(file);
  return EXIT_OK;
}
