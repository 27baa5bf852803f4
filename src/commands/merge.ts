/**
 * `gradflow merge <folder...>`: the shards' folders put back together (src/shard/merge.ts), then
 * the sweep report of each experiment merged.
 */
import { relative } from 'node:path';
import * as msg from '../messages.js';
import { OutputError } from '../results/write.js';
import { MergeInputError, mergeShards } from '../shard/merge.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, type ExitCode, type Io } from './io.js';

export interface MergeCommandOptions {
  readonly folder: readonly string[];
  readonly out: string;
  readonly quiet: boolean;
  /** Write the sweep report.html (`--no-report` skips it). */
  readonly report: boolean;
}

const show = (p: string): string => relative(process.cwd(), p) || '.';

export async function mergeCommand(o: MergeCommandOptions, io: Io): Promise<ExitCode> {
  let merged;
  try {
    merged = mergeShards(o.folder, { out: o.out, quiet: o.quiet, log: io.log, warn: (line) => io.fail([line]) });
  } catch (err) {
    if (err instanceof MergeInputError) {
      io.fail(err.messages);
      return EXIT_BAD_INPUT;
    }
    // A write that failed once the inputs were checked (a full disk): one line naming the file.
    if (err instanceof OutputError) {
      io.fail([err.message]);
      return EXIT_FAILED;
    }
    throw err;
  }
  if (!merged.complete) return EXIT_FAILED;
  if (o.report) {
    // Loaded only when reports are due: it brings Vega in.
    const { writeReports } = await import('../report/write.js');
    const files = await writeReports({ cells: [], experiments: merged.experiments }, (dir, err) => io.fail([msg.reportFailed(show(dir), err)]));
    if (!o.quiet) for (const file of files) io.log(show(file));
  }
  return EXIT_OK;
}
