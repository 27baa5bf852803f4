/** `gradflow report <dir>` and `gradflow figures`: re-render reports from what is on disk. */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as msg from '../messages.js';
import { writeFigures } from '../report/gallery.js';
import { writeRunReport } from '../report/run-report.js';
import { writeSweepReport } from '../report/sweep-report.js';
import { INDEX_FILE, METRICS_FILE } from '../results/layout.js';
import { EXIT_BAD_INPUT, EXIT_OK, type ExitCode, type Io } from './io.js';

/** Re-renders the report of a cell folder (with metrics.ndjson) or an experiment folder (with index.json). */
export async function reportCommand(o: { readonly dir: string; readonly quiet: boolean }, io: Io): Promise<ExitCode> {
  const dir = resolve(o.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    io.fail([msg.notARunFolder(dir)]);
    return EXIT_BAD_INPUT;
  }
  let file: string;
  if (existsSync(join(dir, INDEX_FILE))) file = await writeSweepReport(dir);
  else if (existsSync(join(dir, METRICS_FILE))) file = await writeRunReport(dir);
  else {
    io.fail([msg.notARunFolder(dir)]);
    return EXIT_BAD_INPUT;
  }
  if (!o.quiet) io.log(file);
  return EXIT_OK;
}

/** Draws every activation and its derivative into <out>/figures/index.html. */
export async function figuresCommand(o: { readonly out: string; readonly quiet: boolean }, io: Io): Promise<ExitCode> {
  const file = await writeFigures(resolve(o.out, 'figures'));
  if (!o.quiet) io.log(file);
  return EXIT_OK;
}
