/**
 * The closed set of training events the recorder listens to (fastai's callback events, as a
 * discriminated union that `Recorder.handle` switches over exhaustively), and what the recorder
 * answers to each.
 *
 * Step semantics: the record of step s describes the network after s updates; loss, gradients and
 * activations are measured before update s is applied. Step 0 is the initial network.
 *
 * The order the trainer emits them in, for one cell:
 *
 *   start
 *   for s = 0, 1, ..., N:                      (N = steps; step N has no update)
 *     [forward + loss on batch s]
 *     loss(s, loss)                          -> { diverged } : stop the run if set
 *     [backward: every layer's dW, db, dz and z, a hold batch s]
 *     gradients(s, epoch, loss)              -> { diverged } : stop; { evaluate } : evaluate now
 *     eval(s, accuracies and losses)         when asked; any number of forward passes before it
 *     flush(s)                               -> { diverged } : the record of step s is made here
 *     if s == N: break
 *     [gradient clipping, weight decay folded into the grads]
 *     beforeUpdate(s)                        the recorder snapshots W if it records step s + 1
 *     [optimizer step]
 *     updated(s)                             (a weight made non-finite is named at step s + 1)
 *   end(status)
 *
 * The recorder owns the schedule (src/metrics/cadence.ts): the trainer never asks which steps
 * are recorded; it evaluates when an answer says `evaluate` and stops when one says `diverged`.
 *
 * `flush(s)` runs a forward pass of the probe batch through the model, which overwrites the
 * forward caches (x, z, a) but not dW, db, dz or the PReLU slope grads, so it is safe anywhere
 * after backward and before the optimizer step. `eval` may also come before `gradients` of its
 * step. `end` flushes a pending record; a `gradients` event drops one (its gradients are gone).
 */
import type { DivergenceInfo, RunStatus } from './types.js';

export interface StartEvent {
  readonly type: 'start';
}

/** The loss of the training batch is known (forward pass done, backward not yet). */
export interface LossEvent {
  readonly type: 'loss';
  readonly step: number;
  readonly loss: number;
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
  | LossEvent
  | GradientsEvent
  | EvalEvent
  | FlushEvent
  | BeforeUpdateEvent
  | UpdatedEvent
  | EndEvent;

export type TrainingEventType = TrainingEvent['type'];

/** What the recorder asks of the trainer after an event. */
export interface EventResult {
  /** Stop the run: this step is not finite (status `diverged`). */
  readonly diverged?: DivergenceInfo;
  /** Evaluate the network of this step and send an `eval` event before `flush` (after `gradients`). */
  readonly evaluate?: boolean;
}

/** The answer to most events: nothing asked. Shared, so the hot loop allocates no answers. */
export const NOTHING: EventResult = Object.freeze({});
/** The answer to `gradients` at an evaluation step. */
export const EVALUATE: EventResult = Object.freeze({ evaluate: true });
