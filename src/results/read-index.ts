/**
 * The files of an experiment folder read back: index.json (RunIndex), index.shard-I-of-N.json
 * (ShardIndex) and sweep-summary.json (SweepSummary). Missing gives null; a file that is there but
 * not JSON or not the shape gives a ResultsFileError saying what was expected. The names in an
 * index file are checked as names.ts says (the experiment a config name, each cell id one folder
 * name, each path a relative path below the folder); one that is not is refused.
 */
import { join } from 'node:path';
import { INDEX_FILE, SWEEP_SUMMARY_FILE } from './layout.js';
import { cellIdProblem, cellPathProblem, experimentNameProblem } from './names.js';
import { finite, isObject, readJson, ResultsFileError, type JsonObject } from './read.js';
import {
  AGGREGATED_METRICS, AGGREGATED_PROPORTIONS, RUN_STATUSES, type CellStatus, type GroupSummary, type IndexCell,
  type NumericAggregate, type PlanEntry, type Proportion, type RunIndex, type ShardIndex, type SweepSummary,
} from './types.js';

const CELL_STATUSES: readonly CellStatus[] = [...RUN_STATUSES, 'pending', 'running'];

/** What an index file must look like, for the error message. */
export const RUN_INDEX_SHAPE = 'expected {"experiment", "cells": [{"id", "overrides", ...}]}';
export const SHARD_INDEX_SHAPE = 'expected {"experiment", "shard", "cells", "plan": [{"id", "overrides", "configHash", "shard"}]}';

function toIndexCell(c: JsonObject & { id: string }): IndexCell {
  return {
    id: c.id,
    path: typeof c.path === 'string' && c.path !== '' ? c.path : c.id,
    overrides: isObject(c.overrides) ? c.overrides : {},
    status: CELL_STATUSES.find((s) => s === c.status) ?? 'pending',
  };
}

const isCell = (c: unknown): c is JsonObject & { id: string } =>
  isObject(c) && typeof c.id === 'string' && (c.overrides === undefined || isObject(c.overrides));

/** A parsed index.json as a RunIndex (path defaults to the id, overrides to none); null when the shape is wrong. */
export function toRunIndex(v: unknown): RunIndex | null {
  if (!isObject(v) || typeof v.experiment !== 'string' || !Array.isArray(v.cells) || !v.cells.every(isCell)) return null;
  return { experiment: v.experiment, cells: v.cells.map(toIndexCell) };
}

function toPlanEntry(e: unknown): PlanEntry | null {
  if (!isObject(e) || typeof e.id !== 'string' || !isObject(e.overrides) || typeof e.configHash !== 'string' || typeof e.shard !== 'number') return null;
  return { id: e.id, overrides: e.overrides, configHash: e.configHash, cost: finite(e.cost) ?? NaN, shard: e.shard };
}

/** A parsed shard index file as a ShardIndex; null when the shape is wrong. */
export function toShardIndex(v: unknown): ShardIndex | null {
  if (!isObject(v) || !Array.isArray(v.plan) || !isObject(v.shard)) return null;
  const { index, count, source } = v.shard;
  if (typeof index !== 'number' || typeof count !== 'number') return null;
  const base = toRunIndex({ experiment: v.experiment, cells: v.cells });
  const plan = v.plan.map(toPlanEntry);
  if (base === null || !plan.every((e): e is PlanEntry => e !== null)) return null;
  return { ...base, shard: { index, count, source: typeof source === 'string' ? source : '' }, plan };
}

/** The first name or path of `index` that names.ts does not allow, as a message; null when all do. */
export function indexNamesProblem(index: RunIndex | ShardIndex): string | null {
  const experiment = experimentNameProblem(index.experiment);
  if (experiment !== null) return experiment;
  for (const [i, c] of index.cells.entries()) {
    const problem = cellIdProblem(c.id, `cells[${i}].id`) ?? cellPathProblem(c.path, `cells[${i}].path`);
    if (problem !== null) return problem;
  }
  if ('plan' in index) {
    for (const [i, e] of index.plan.entries()) {
      const problem = cellIdProblem(e.id, `plan[${i}].id`);
      if (problem !== null) return problem;
    }
  }
  return null;
}

/** `index` when its names are allowed; else throws the refused ResultsFileError of `path`. */
function checkedNames<T extends RunIndex | ShardIndex>(path: string, index: T): T {
  const problem = indexNamesProblem(index);
  if (problem !== null) throw new ResultsFileError(path, problem, true);
  return index;
}

/** <exp>/index.json: null when missing; throws ResultsFileError when it is not JSON or not a RunIndex. */
export function readRunIndex(expDir: string): RunIndex | null {
  return readIndexFile(join(expDir, INDEX_FILE));
}

/** An index.json file by path (see readRunIndex). */
export function readIndexFile(path: string): RunIndex | null {
  const v = readJson(path);
  if (v === undefined) return null;
  const index = toRunIndex(v);
  if (index === null) throw new ResultsFileError(path, RUN_INDEX_SHAPE);
  return checkedNames(path, index);
}

/** A shard index file by path: null when missing; throws when it is not JSON or not a ShardIndex. */
export function readShardIndex(path: string): ShardIndex | null {
  const v = readJson(path);
  if (v === undefined) return null;
  const index = toShardIndex(v);
  if (index === null) throw new ResultsFileError(path, SHARD_INDEX_SHAPE);
  return checkedNames(path, index);
}

function toAggregate(v: unknown): NumericAggregate {
  const o = isObject(v) ? v : {};
  return {
    n: finite(o.n) ?? 0, mean: finite(o.mean), std: finite(o.std), min: finite(o.min),
    p5: finite(o.p5), p50: finite(o.p50), p95: finite(o.p95), max: finite(o.max),
  };
}

function toProportion(v: unknown): Proportion {
  const o = isObject(v) ? v : {};
  return { k: finite(o.k) ?? 0, n: finite(o.n) ?? 0, p: finite(o.p), lo: finite(o.lo), hi: finite(o.hi) };
}

/** One group of sweep-summary.json, every metric and proportion present (empty when absent), or null. */
export function toGroupSummary(v: unknown): GroupSummary | null {
  if (!isObject(v) || typeof v.group !== 'string') return null;
  const n = finite(v.n);
  if (n === null) return null;
  const metrics = isObject(v.metrics) ? v.metrics : {};
  const proportions = isObject(v.proportions) ? v.proportions : {};
  const metricEntries = AGGREGATED_METRICS.map((m) => [m, toAggregate(metrics[m])] as const);
  const proportionEntries = AGGREGATED_PROPORTIONS.map((p) => [p, toProportion(proportions[p])] as const);
  return {
    group: v.group,
    overrides: isObject(v.overrides) ? v.overrides : {},
    n,
    seeds: Array.isArray(v.seeds) ? v.seeds.map(finite) : [],
    metrics: fromEntries(metricEntries),
    proportions: fromEntries(proportionEntries),
  };
}

/** Object.fromEntries that keeps the key type of a complete list of entries. */
export function fromEntries<K extends string, V>(entries: readonly (readonly [K, V])[]): Record<K, V> {
  const out: Partial<Record<K, V>> = {};
  for (const [k, v] of entries) out[k] = v;
  return out as Record<K, V>;
}

/** A parsed sweep-summary.json; groups that are not understood are skipped. Null without a `groups` list. */
export function toSweepSummary(v: unknown): SweepSummary | null {
  if (!isObject(v) || !Array.isArray(v.groups)) return null;
  return {
    experiment: typeof v.experiment === 'string' ? v.experiment : '',
    cells: finite(v.cells) ?? 0,
    groupedBy: typeof v.groupedBy === 'string' ? v.groupedBy : '',
    confidence: finite(v.confidence) ?? 0.95,
    quantiles: typeof v.quantiles === 'string' ? v.quantiles : '',
    groups: v.groups.map(toGroupSummary).filter((g): g is GroupSummary => g !== null),
  };
}

/**
 * <exp>/sweep-summary.json (written by `run` and `merge`): null when missing; throws
 * ResultsFileError when it is not JSON or has no `groups` list.
 */
export function readSweepSummary(expDir: string): SweepSummary | null {
  const path = join(expDir, SWEEP_SUMMARY_FILE);
  const v = readJson(path);
  if (v === undefined) return null;
  const summary = toSweepSummary(v);
  if (summary === null) throw new ResultsFileError(path, 'expected {"experiment", "groups": [...]}');
  return summary;
}
