/**
 * When the recorder measures what: the whole schedule of a run in one place, so the trainer
 * never computes it.
 *
 *   sampled(s)    = s % every == 0  or  histogram(s)         per-layer record, every dW scanned
 *   histogram(s)  = s % histogramsEvery == 0                 (when histograms are on)
 *   evaluation(s) = s % evalEvery == 0  or  s == steps       the trainer evaluates the network
 *   recorded(s)   = sampled(s) or evaluation(s)              a line of metrics.ndjson
 *
 * Step 0 is therefore always recorded, and so is the last step N of a run that knows N.
 */

export interface CadenceOptions {
  /** Record every `every` steps (and at step 0); an integer >= 1. */
  readonly every: number;
  /** Histograms every `histogramsEvery` steps (and at step 0); null: none. */
  readonly histogramsEvery: number | null;
  /** Whether histograms are wanted at all (metrics on and somewhere to write them). */
  readonly histograms: boolean;
  /**
   * The run's last step N (= train steps), always evaluated; null: the run's length is not
   * known and nothing is evaluated by schedule (an `eval` event still makes a record).
   */
  readonly steps: number | null;
  /** Steps between evaluations; null: `defaultEvalEvery(steps, every)`. */
  readonly evalEvery: number | null;
}

/** About 20 evaluations a run, never more often than the records: max(every, ceil(steps / 20)). */
export function defaultEvalEvery(steps: number, every: number): number {
  return Math.max(every, Math.ceil(steps / 20) || 1);
}

export class Cadence {
  readonly every: number;
  readonly histogramsEvery: number | null;
  /** Steps between evaluations; null when nothing is evaluated by schedule. */
  readonly evalEvery: number | null;
  readonly steps: number | null;

  constructor(o: CadenceOptions) {
    if (!(Number.isInteger(o.every) && o.every >= 1)) throw new RangeError(`Cadence: every must be an integer >= 1, got ${o.every}`);
    this.every = o.every;
    this.histogramsEvery = o.histograms ? o.histogramsEvery : null;
    this.steps = o.steps;
    this.evalEvery = o.steps === null ? null : (o.evalEvery ?? defaultEvalEvery(o.steps, o.every));
  }

  /** A record with per-layer metrics by cadence; every dW is scanned for non-finite values. */
  sampled(s: number): boolean {
    return s % this.every === 0 || this.histogram(s);
  }

  histogram(s: number): boolean {
    return this.histogramsEvery !== null && s % this.histogramsEvery === 0;
  }

  evaluation(s: number): boolean {
    return this.evalEvery !== null && (s % this.evalEvery === 0 || s === this.steps);
  }

  recorded(s: number): boolean {
    return this.sampled(s) || this.evaluation(s);
  }
}
