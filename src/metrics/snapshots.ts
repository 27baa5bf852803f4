/**
 * Copies of the weights from before an update, for `updateRatio`:
 *
 *   updateRatio_l(s) = ||W_l(s) - W_l(s-1)||_F / ||W_l(s-1)||_F
 *
 * W(s-1) is copied before update s-1 only when step s will be recorded: copying every weight
 * every step cost a few percent of a step. A record whose previous update was not snapshotted
 * (or step 0) has updateRatio 0.
 */
import type { Dense } from '../net/dense.js';
import { alloc, type DType } from '../net/tensor.js';
import { relativeChange } from './reducers.js';

export class WeightSnapshots {
  /** W before the latest snapshotted update, per layer ([fanOut * fanIn] each). */
  private readonly prevW;
  /** The step whose update the copies precede (-1: none yet). */
  private snapshotStep = -1;

  /** `enabled` false allocates nothing (metrics off). */
  constructor(private readonly layers: readonly Dense[], dtype: DType, enabled: boolean) {
    this.prevW = layers.map((l) => alloc(dtype, enabled ? l.W.length : 0));
  }

  /** Copies every layer's W before the update of `step`. */
  take(step: number): void {
    for (let i = 0; i < this.layers.length; i++) this.prevW[i].set(this.layers[i].W);
    this.snapshotStep = step;
  }

  /** updateRatio of layer i in the record of `step` (0 without a snapshot of update step - 1). */
  updateRatio(i: number, step: number): number {
    return this.snapshotStep === step - 1 && step > 0 ? relativeChange(this.layers[i].W, this.prevW[i]) : 0;
  }
}
