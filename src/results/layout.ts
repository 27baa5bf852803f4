/**
 * Every name gradflow writes, in one place:
 *
 *   <out>/<name>/index.json                  RunIndex: the cells of an unsharded run
 *   <out>/<name>/index.shard-I-of-N.json     ShardIndex: the cells of shard I, and the whole plan
 *   <out>/<name>/sweep-summary.json          SweepSummary: aggregates over seeds
 *   <out>/<name>/report.html                 the sweep report
 *   <out>/<name>/.lock, .shard-I-of-N.lock   held by the run writing the folder
 *   <out>/<name>/<cell>/config.json          the resolved config
 *   <out>/<name>/<cell>/metrics.ndjson       one MetricRecord a line
 *   <out>/<name>/<cell>/histograms.ndjson    one HistogramRecord a line (optional)
 *   <out>/<name>/<cell>/summary.json         Summary, written when the cell ends
 *   <out>/<name>/<cell>/report.html          the run report
 *   <out>/<name>/<cell>/weights-stepS.safetensors   weights after S updates (train.saveWeights)
 *
 * Temporary files of the atomic writer start with a dot and end in `.tmp` (see write.ts).
 */

export const INDEX_FILE = 'index.json';
export const SWEEP_SUMMARY_FILE = 'sweep-summary.json';
export const REPORT_FILE = 'report.html';
export const CONFIG_FILE = 'config.json';
export const METRICS_FILE = 'metrics.ndjson';
export const HISTOGRAMS_FILE = 'histograms.ndjson';
export const SUMMARY_FILE = 'summary.json';

/** The lock of an unsharded run in its experiment folder. */
export const LOCK_FILE = '.lock';

/** A shard's numbers, as the file names need them. */
export interface ShardNumber {
  readonly index: number;
  readonly count: number;
}

/** `index.shard-2-of-4.json`: the index file a shard writes instead of index.json. */
export function shardIndexFile(shard: ShardNumber): string {
  return `index.shard-${shard.index}-of-${shard.count}.json`;
}

/** Shard index files in a folder listing: `index.shard-I-of-N.json`. */
export const SHARD_INDEX_FILE = /^index\.shard-([1-9][0-9]*)-of-([1-9][0-9]*)\.json$/;

/** `.shard-2-of-4.lock`: the lock of one shard, so the shards of a sweep can share a folder. */
export function shardLockFile(shard: ShardNumber): string {
  return `.shard-${shard.index}-of-${shard.count}.lock`;
}

/** `weights-step100.safetensors`: the weights after `step` updates. */
export function weightsFile(step: number): string {
  return `weights-step${step}.safetensors`;
}

/** Temporary files of the atomic writer: `.<name>.<pid>.<thread>.<n>.tmp`. */
export function isTempFile(name: string): boolean {
  return name.endsWith('.tmp');
}

/** The files gradflow writes into a cell folder, and its temporary files. */
const CELL_FILE = /^(config\.json|metrics\.ndjson|histograms\.ndjson|summary\.json|report\.html|weights-step[0-9]+\.safetensors|\..+\.tmp)$/;

/** Whether `name` is a file gradflow writes into a cell folder (resume and merge remove only these). */
export function isCellFile(name: string): boolean {
  return CELL_FILE.test(name);
}
