/**
 * Everything a cell folder holds, read at once for the reports and the claims; a run still
 * writing or killed is read as far as it got. Missing or unusable files give empty or null
 * fields: a report shows what there is. A refused file (over its read limit, or not a regular
 * file) throws its ResultsFileError.
 */
import { orNull, readConfig, readHistograms, readMetrics, type JsonObject } from './read.js';
import { readSummary } from './read-summary.js';
import type { HistogramRecord, MetricRecord, Summary } from './types.js';

export interface RunData {
  readonly dir: string;
  /** config.json, or null when missing or unreadable. */
  readonly config: JsonObject | null;
  readonly records: readonly MetricRecord[];
  readonly histograms: readonly HistogramRecord[];
  readonly summary: Summary | null;
  /** metrics.ndjson ended in an incomplete line (a run was writing it). */
  readonly partialLine: boolean;
  /** Complete lines of metrics.ndjson that were not a record. */
  readonly badLines: number;
  /** Lines of metrics.ndjson longer than the read limit, skipped unread (absent: none). */
  readonly longLines?: number;
}

export interface ReadRunOptions {
  /** Read histograms.ndjson too (default true; sweeps skip it). */
  readonly histograms?: boolean;
}

/** The files of the cell folder `dir`. */
export function readRun(dir: string, options: ReadRunOptions = {}): RunData {
  const metrics = orNull(() => readMetrics(dir)) ?? { records: [], partialLine: false, badLines: 0, longLines: 0 };
  return {
    dir,
    config: orNull(() => readConfig(dir)),
    records: metrics.records,
    histograms: options.histograms === false ? [] : (orNull(() => readHistograms(dir)) ?? []),
    summary: orNull(() => readSummary(dir)),
    partialLine: metrics.partialLine,
    badLines: metrics.badLines,
    longLines: metrics.longLines,
  };
}
