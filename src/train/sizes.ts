/**
 * The sizes of one cell that follow from its config and the size of its training split:
 *
 *   steps   = train.steps, or train.epochs * ceil(nTrain / batchSize)
 *   batch   = min(train.batchSize, nTrain)          rows a step
 *   probe   = min(metrics.probe, nTrain)            rows of the probe batch
 *   maxRows = max(batch, probe, EVAL_CHUNK)         rows the model's buffers hold
 */
import { totalSteps } from '../config/check.js';
import type { ResolvedConfig } from '../config/schema.js';
import { EVAL_CHUNK } from './evaluate.js';

export { totalSteps };

export interface CellSizes {
  readonly steps: number;
  readonly batch: number;
  readonly probeRows: number;
  readonly maxRows: number;
}

export function cellSizes(config: ResolvedConfig, nTrain: number): CellSizes {
  const batch = Math.min(config.train.batchSize, nTrain);
  const probeRows = Math.min(config.metrics.probe, nTrain);
  return { steps: totalSteps(config, nTrain), batch, probeRows, maxRows: Math.max(batch, probeRows, EVAL_CHUNK) };
}
