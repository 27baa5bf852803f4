/**
 * The metrics part of summary.json: the records at init and at the end with totals over the
 * hidden layers, born-dead layers, activation growth over time, dead-unit counts and events,
 * PReLU slopes, and the theory blocks with the measurement beside them.
 */
import { ACTIVATIONS, type ActivationName } from '../net/activations.js';
import type { Dense } from '../net/dense.js';
import type { DeadLayerSummary, DeadTracker, DeadUnitEvent } from './dead.js';
import type { Factors } from './record.js';
import type { RemedyTheory } from './theory-remedies.js';
import { withMeasurement, withRemedyMeasurement, type RemedyTheorySummary, type TheorySummary } from './theory-summary.js';
import type { TheoryBlock } from './theory.js';
import type { LayerRecord, MetricRecord } from './types.js';

/** One record in summary.json (at init or at the end), with totals over the hidden layers. */
export interface SummaryPoint {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly vanishing: number | null;
  readonly deltaGrowth: number | null;
  readonly actGrowth: number | null;
  /** Dead units over all hidden layers, and their share of the hidden units. */
  readonly deadUnits: number;
  readonly deadFraction: number;
  readonly layers: readonly LayerRecord[];
}

/** What the recorder adds to summary.json. */
export interface RecorderSummary {
  readonly initial: SummaryPoint | null;
  readonly final: SummaryPoint | null;
  /** Some hidden layer had deadFraction 1 at step 0: the network's output is constant. */
  readonly bornDead: boolean;
  readonly bornDeadLayers: readonly number[];
  readonly measuredDeltaFactorAtInit: number | null;
  /** Per layer, actRms at the end over actRms at init (blow-up over time); null if undefined. */
  readonly actRmsGrowthOverTime: readonly (number | null)[];
  readonly deadUnits: readonly DeadLayerSummary[];
  readonly deadUnitEvents: readonly DeadUnitEvent[];
  readonly deadUnitEventsDropped: number;
  /** PReLU slopes per layer at init and at the end (PReLU only). */
  readonly preluSlopes?: { readonly initial: readonly (readonly number[])[]; readonly final: readonly (readonly number[])[] };
  readonly theory: TheorySummary | null;
  /** Models with a norm or residual connections: their theory beside the step-0 measurement. */
  readonly remedyTheory?: RemedyTheorySummary;
}

/** Keeps the first and the latest record of a run, and builds the summary block from them. */
export class SummaryTracker {
  private initial: SummaryPoint | null = null;
  private latest: SummaryPoint | null = null;
  private initialSlopes: number[][] | null = null;
  private readonly bornDeadLayers: number[] = [];

  /** `depth`: the hidden layers, 0..depth-1 of `layers`. */
  constructor(private readonly layers: readonly Dense[], private readonly depth: number, private readonly activation: ActivationName) {}

  /** Folds in a record with per-layer metrics; the first one is the network at init. */
  observe(record: MetricRecord, f: Factors): void {
    const point = this.point(record, f);
    if (this.initial === null) {
      this.initial = point;
      for (let i = 0; i < this.depth && i < record.layers.length; i++) {
        if (record.layers[i].deadFraction === 1) this.bornDeadLayers.push(i);
      }
      this.initialSlopes = this.slopes();
    }
    this.latest = point;
  }

  private point(r: MetricRecord, f: Factors): SummaryPoint {
    let dead = 0;
    let units = 0;
    for (let i = 0; i < this.depth && i < r.layers.length; i++) {
      dead += Math.round((r.layers[i].deadFraction ?? 0) * this.layers[i].fanOut);
      units += this.layers[i].fanOut;
    }
    return {
      step: r.step,
      epoch: r.epoch,
      loss: r.loss,
      vanishing: f.vanishing,
      deltaGrowth: f.deltaGrowth,
      actGrowth: f.actGrowth,
      deadUnits: dead,
      deadFraction: units > 0 ? dead / units : 0,
      layers: r.layers,
    };
  }

  /** PReLU's slopes per layer now; null for an activation without learned slopes. */
  private slopes(): number[][] | null {
    if (!ACTIVATIONS[this.activation].learned) return null;
    return this.layers.filter((l) => l.learned !== null).map((l) => Array.from(l.learned!.value));
  }

  /**
   * The block; `enabled` false: no per-layer metrics were measured (metrics off), no dead-unit
   * counts. `remedy`: the theory of a model with a norm or residual connections, else null.
   */
  build(theory: TheoryBlock | null, remedy: RemedyTheory | null, dead: DeadTracker, enabled: boolean): RecorderSummary {
    const init = this.initial;
    const fin = this.latest;
    const delta0 = init?.deltaGrowth ?? null;
    const out: { -readonly [K in keyof RecorderSummary]: RecorderSummary[K] } = {
      initial: init,
      final: fin,
      bornDead: this.bornDeadLayers.length > 0,
      bornDeadLayers: this.bornDeadLayers,
      measuredDeltaFactorAtInit: delta0,
      actRmsGrowthOverTime: actRmsGrowth(init, fin),
      deadUnits: enabled && init !== null ? dead.summary() : [],
      deadUnitEvents: dead.events,
      deadUnitEventsDropped: dead.droppedEvents,
      theory: withMeasurement(theory, delta0),
    };
    const s0 = this.initialSlopes;
    const s1 = this.slopes();
    if (s0 !== null && s1 !== null) out.preluSlopes = { initial: s0, final: s1 };
    const remedyTheory = withRemedyMeasurement(remedy, init?.layers.slice(0, this.depth) ?? null);
    if (remedyTheory !== null) out.remedyTheory = remedyTheory;
    return out;
  }
}

/** Per layer of the final record, actRms at the end over actRms at init; null where undefined. */
function actRmsGrowth(init: SummaryPoint | null, fin: SummaryPoint | null): (number | null)[] {
  return (fin?.layers ?? []).map((l, i) => {
    const a0 = init?.layers[i]?.actRms;
    const a1 = l.actRms;
    return a0 !== undefined && a1 !== undefined && a0 > 0 && Number.isFinite(a1 / a0) ? a1 / a0 : null;
  });
}
