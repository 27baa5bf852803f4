/**
 * Copies of the parameters from before an update, for the update ratios:
 *
 *   updateRatio_l(s) = ||W_l(s) - W_l(s-1)||_F / ||W_l(s-1)||_F
 *
 * and, for a layer with an affine norm, gammaUpdateRatio and betaUpdateRatio, the same of its
 * gamma and beta [fanOut]. The copies of update s-1 are taken only when step s will be
 * recorded: copying every weight every step cost a few percent of a step. A record whose
 * previous update was not snapshotted (or step 0) has update ratios 0.
 */
import type { Dense } from '../net/dense.js';
import { alloc, type DType, type FloatArray } from '../net/tensor.js';
import { relativeChange } from './reducers.js';

export class WeightSnapshots {
  /** W before the latest snapshotted update, per layer ([fanOut * fanIn] each). */
  private readonly prevW;
  /** gamma and beta before it, per layer ([fanOut] each; empty without an affine norm). */
  private readonly prevGamma: FloatArray[];
  private readonly prevBeta: FloatArray[];
  /** The step whose update the copies precede (-1: none yet). */
  private snapshotStep = -1;

  /** `enabled` false allocates nothing (metrics off). */
  constructor(private readonly layers: readonly Dense[], dtype: DType, enabled: boolean) {
    this.prevW = layers.map((l) => alloc(dtype, enabled ? l.W.length : 0));
    const affine = (l: Dense): number => (enabled && l.norm?.spec.affine === true ? l.fanOut : 0);
    this.prevGamma = layers.map((l) => alloc(dtype, affine(l)));
    this.prevBeta = layers.map((l) => alloc(dtype, affine(l)));
  }

  /** Copies every layer's W (and an affine norm's gamma and beta) before the update of `step`. */
  take(step: number): void {
    for (let i = 0; i < this.layers.length; i++) {
      const l = this.layers[i];
      this.prevW[i].set(l.W);
      if (this.prevGamma[i].length > 0 && l.norm !== null) {
        this.prevGamma[i].set(l.norm.weight);
        this.prevBeta[i].set(l.norm.bias);
      }
    }
    this.snapshotStep = step;
  }

  /** updateRatio of layer i in the record of `step` (0 without a snapshot of update step - 1). */
  updateRatio(i: number, step: number): number {
    return this.fresh(step) ? relativeChange(this.layers[i].W, this.prevW[i]) : 0;
  }

  /**
   * gammaUpdateRatio and betaUpdateRatio of layer i's affine norm in the record of `step` (0
   * without a snapshot of update step - 1; beta's is Infinity while beta_{s-1} is 0).
   */
  normUpdateRatios(i: number, step: number): { readonly gamma: number; readonly beta: number } {
    const norm = this.layers[i].norm;
    if (norm === null || this.prevGamma[i].length === 0 || !this.fresh(step)) return { gamma: 0, beta: 0 };
    return { gamma: relativeChange(norm.weight, this.prevGamma[i]), beta: relativeChange(norm.bias, this.prevBeta[i]) };
  }

  private fresh(step: number): boolean {
    return this.snapshotStep === step - 1 && step > 0;
  }
}
