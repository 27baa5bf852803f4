/**
 * Checks that need the loaded data, for the trainer to call once the data set is built: a
 * batch larger than the training set, a loss whose targets do not match the data's task.
 */
import type { Task } from '../data/index.js';
import { LOSS_NAMES, LOSSES } from '../net/losses.js';
import * as msg from '../messages.js';
import { lossFor, type ResolvedConfig } from './schema.js';

/** Number of optimizer steps a config asks for, given the training-set size: steps, or epochs x ceil(nTrain / batchSize). */
export function totalSteps(config: ResolvedConfig, nTrain: number): number {
  if (config.train.steps !== null && config.train.steps !== undefined) return config.train.steps;
  const perEpoch = Math.ceil(nTrain / config.train.batchSize);
  return (config.train.epochs ?? 0) * perEpoch;
}

/** Messages (none when all is well) for `config` against a training set of `nTrain` rows and, when given, the data's task. */
export function checkAgainstData(config: ResolvedConfig, nTrain: number, task?: Task): string[] {
  const out: string[] = [];
  const { batchSize } = config.train;
  if (batchSize > nTrain) out.push(msg.batchLargerThanData(batchSize, nTrain, config.data.kind));
  else {
    // A save step past the end would silently write nothing.
    const last = totalSteps(config, nTrain);
    const late = config.train.saveWeights.filter((s) => s > last);
    if (late.length > 0) out.push(msg.saveWeightsPastEnd(late, last));
  }
  if (task !== undefined) {
    const loss = lossFor(config, task);
    const target = task === 'classification' ? 'labels' : 'values';
    if (LOSSES[loss].target !== target) {
      out.push(msg.lossForTask(loss, task, config.data.kind, LOSS_NAMES.filter((n) => LOSSES[n].target === target)));
    }
  }
  return out;
}
