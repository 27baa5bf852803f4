/**
 * The closed set of training events the recorder listens to (fastai's callback events, as a
 * discriminated union so that `Recorder.handle` can switch over them exhaustively).
 *
 * Step semantics: the record of step s describes the network after s updates; loss, gradients and
 * activations are measured before update s is applied. Step 0 is the initial network.
 *
 * The order the trainer emits them in, for one cell:
 *
 *   start
 *   for s = 0, 1, ..., N:                      (N = steps; step N has no update)
 *     [forward + loss + backward on batch s: every layer's dW, db, dz and z, a hold batch s]
 *     gradients(s, epoch, loss)              -> { diverged } : stop the run if set
 *     eval(s, accuracies and losses)         optional; any number of forward passes before it is fine
 *     flush(s)                               the record of step s is computed and emitted here
 *     if s == N: break
 *     [gradient clipping, weight decay folded into the grads]
 *     beforeUpdate(s)                        snapshots W (for the next record's updateRatio)
 *     [optimizer step]
 *     updated(s)                             (a weight made non-finite is named at step s + 1)
 *   end(status)                              also done by summaryBlock(status)
 *
 * `flush(s)` runs a forward pass of the probe batch through the model, which overwrites the
 * forward caches (x, z, a) but not dW, db, dz or the PReLU slope grads, so it is safe anywhere
 * after backward and before the optimizer step. `eval` may also come before `gradients` of its
 * step. `end` flushes a pending record; a `gradients` event drops one (its gradients are gone).
 */
import type { RunStatus } from './types.js';

export interface StartEvent {
  readonly type: 'start';
}

export interface GradientsEvent {
  readonly type: 'gradients';
  readonly step: number;
  readonly epoch: number;
  /** Mean loss of the training batch at this step, before the update. */
  readonly loss: number;
}

/** Evaluation of the network of step s (after s updates); null where not measured. */
export interface EvalValues {
  readonly trainAcc: number | null;
  readonly testAcc: number | null;
  readonly trainLoss: number | null;
  readonly testLoss: number | null;
}

export interface EvalEvent extends EvalValues {
  readonly type: 'eval';
  readonly step: number;
}

export interface FlushEvent {
  readonly type: 'flush';
  readonly step: number;
}

export interface BeforeUpdateEvent {
  readonly type: 'beforeUpdate';
  readonly step: number;
  /**
   * Whether step + 1 will be recorded (by cadence, evaluation or as the last step). The weights
   * are snapshotted only then: copying every weight every step cost a few percent of a step.
   * Default true.
   */
  readonly nextRecorded?: boolean;
}

export interface UpdatedEvent {
  readonly type: 'updated';
  readonly step: number;
}

export interface EndEvent {
  readonly type: 'end';
  readonly status: RunStatus;
}

export type TrainingEvent =
  | StartEvent
  | GradientsEvent
  | EvalEvent
  | FlushEvent
  | BeforeUpdateEvent
  | UpdatedEvent
  | EndEvent;

export type TrainingEventType = TrainingEvent['type'];
