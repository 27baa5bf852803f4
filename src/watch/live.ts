/**
 * What the cell page receives on each poll: the cell's status and progress, and the records
 * appended to its metrics.ndjson since the position the page last saw, cut down to the numbers
 * the live charts draw:
 *
 *   {step, loss, trainLoss, testLoss, layers: [[layer, gradNorm, actStd], ...]}
 *
 * (null for a value that is absent or not finite).
 */
import { join } from 'node:path';
import { singleCellView, type CellView } from './folder.js';
import { readFrom, type Position, type TailCache } from './tail.js';

export interface LiveRecord {
  readonly step: number;
  readonly loss: number | null;
  readonly trainLoss: number | null;
  readonly testLoss: number | null;
  readonly layers: readonly (readonly [number, number | null, number | null])[];
}

export interface CellUpdate {
  readonly cell: CellView;
  /** Null while the cell has no metrics.ndjson. */
  readonly chunk: {
    readonly records: readonly LiveRecord[];
    readonly next: Position;
    readonly reset: boolean;
    readonly more: boolean;
  } | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A metrics.ndjson line as the live charts use it; null when it is not a record. */
export function liveRecord(v: unknown): LiveRecord | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as { step?: unknown; loss?: unknown; trainLoss?: unknown; testLoss?: unknown; layers?: unknown };
  const step = num(r.step);
  if (step === null) return null;
  const layers: [number, number | null, number | null][] = [];
  if (Array.isArray(r.layers)) {
    for (const l of r.layers as unknown[]) {
      if (typeof l !== 'object' || l === null) continue;
      const x = l as { layer?: unknown; gradNorm?: unknown; actStd?: unknown };
      const layer = num(x.layer);
      if (layer !== null) layers.push([layer, num(x.gradNorm), num(x.actStd)]);
    }
  }
  return { step, loss: num(r.loss), trainLoss: num(r.trainLoss), testLoss: num(r.testLoss), layers };
}

/** The update of cell folder `dir` (below `root`) after position `from` (null: from the start). */
export function cellUpdate(root: string, dir: string, from: Position | null, tails: TailCache): CellUpdate {
  const chunk = readFrom(join(dir, 'metrics.ndjson'), from);
  const cell = singleCellView(root, dir, tails);
  if (chunk === null) return { cell, chunk: null };
  const records: LiveRecord[] = [];
  for (const line of chunk.lines) {
    const r = liveRecord(line);
    if (r !== null) records.push(r);
  }
  return { cell, chunk: { records, next: chunk.next, reset: chunk.reset, more: chunk.more } };
}
