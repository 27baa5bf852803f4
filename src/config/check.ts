/**
 * Checks that need the loaded data, for the trainer to call once the data set is built: a
 * batch larger than the training set, a loss whose targets do not match the data's task.
 */
import type { Task } from '../data/index.js';
import { LOSS_NAMES, LOSSES } from '../net/losses.js';
import * as msg from '../messages.js';
import { lossFor, type ResolvedConfig } from './schema.js';

/** Messages (none when all is well) for `config` against a training set of `nTrain` rows and, when given, the data's task. */
export function checkAgainstData(config: ResolvedConfig, nTrain: number, task?: Task): string[] {
  const out: string[] = [];
  const { batchSize } = config.train;
  if (batchSize > nTrain) out.push(msg.batchLargerThanData(batchSize, nTrain, config.data.kind));
  if (task !== undefined) {
    const loss = lossFor(config, task);
    const target = task === 'classification' ? 'labels' : 'values';
    if (LOSSES[loss].target !== target) {
      out.push(msg.lossForTask(loss, task, config.data.kind, LOSS_NAMES.filter((n) => LOSSES[n].target === target)));
    }
  }
  return out;
}
