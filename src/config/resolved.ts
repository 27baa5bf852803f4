/**
 * Helpers that read a resolved config, kept apart from the zod schema so that the code that
 * only trains (a sweep's worker threads) does not load zod: a worker thread starts ~170 ms of
 * CPU sooner without it (docs/performance.md, "Parallel sweeps").
 */
import type { LossName } from '../net/losses.js';
import type { Ref, ResolvedConfig } from './schema.js';

/** The loss of a run: `train.loss`, or for `tensors` data the default of the data's task. */
export function lossFor(config: ResolvedConfig, task: 'classification' | 'regression'): LossName {
  return config.train.loss ?? (task === 'classification' ? 'cross_entropy' : 'mse');
}

/** The parameters of a resolved registry field, without its name. */
export function paramsOf(ref: Ref<string>): Readonly<Record<string, number | boolean>> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(ref)) if (k !== 'name') out[k] = v as number | boolean;
  return out;
}
