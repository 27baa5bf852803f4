/**
 * Dead-unit bookkeeping across records, so that "units die irreversibly" is a measured statement.
 *
 * A unit is dead at a record when its activation's derivative is exactly 0 on every probe example
 * (`derivativeCounts`' deadMask): it passes no gradient back, so its incoming weights get no
 * gradient from the loss (weight decay aside) and, for relu, nothing but a change in the layers
 * below can bring it back. Per unit the tracker keeps the step of its first and latest death and
 * how often it came back; per layer the cumulative number of revivals.
 *
 * Deaths and revivals are seen only at record steps (every `metrics.every` steps): a unit that
 * dies and revives between two records is not seen.
 */

/** One change of state of one unit, for summary.json's event list. */
export interface DeadUnitEvent {
  readonly step: number;
  readonly layer: number;
  readonly unit: number;
  readonly kind: 'died' | 'revived';
}

/** Per-layer counts, for summary.json. */
export interface DeadLayerSummary {
  readonly layer: number;
  readonly units: number;
  /** Dead at the first record (step 0). */
  readonly deadAtInit: number;
  /** Dead at the latest record. */
  readonly deadNow: number;
  /** Units dead at one record or more. */
  readonly everDead: number;
  /** Units that died at a record after the first (born-dead units count if they revived and died again), once each. */
  readonly died: number;
  /** Revival events (a unit dead at one record and alive at the next), cumulative. */
  readonly revivals: number;
  /** Distinct units that came back at least once. */
  readonly unitsRevived: number;
  /** Units dead now that have never come back since they first died. */
  readonly permanentlyDead: number;
}

/** Events kept for summary.json at most (the counts are always complete). */
export const MAX_DEAD_EVENTS = 1000;

export class DeadTracker {
  private readonly dead: Uint8Array[];
  private readonly firstDiedAt: Int32Array[];
  private readonly lastDiedAt: Int32Array[];
  private readonly revivalsOf: Int32Array[];
  private readonly diedInTraining: Uint8Array[];
  private readonly deadAtInit: number[];
  private readonly revivals: number[];
  private readonly seen: boolean[];
  readonly events: DeadUnitEvent[] = [];
  /** Events not kept because MAX_DEAD_EVENTS was reached. */
  droppedEvents = 0;

  /** `units[l]`: the number of units of layer l. */
  constructor(readonly units: readonly number[]) {
    this.dead = units.map((n) => new Uint8Array(n));
    this.firstDiedAt = units.map((n) => new Int32Array(n).fill(-1));
    this.lastDiedAt = units.map((n) => new Int32Array(n).fill(-1));
    this.revivalsOf = units.map((n) => new Int32Array(n));
    this.diedInTraining = units.map((n) => new Uint8Array(n));
    this.deadAtInit = units.map(() => 0);
    this.revivals = units.map(() => 0);
    this.seen = units.map(() => false);
  }

  /**
   * Folds in layer `layer`'s dead mask at a record (`mask[j]` = 1: unit j is dead now). The first
   * update of a layer sets its state at init: units dead then are "born dead" (their death step is
   * that record's step) and are not counted as deaths during training. Returns the layer's
   * cumulative revival count after this record.
   */
  update(step: number, layer: number, mask: Uint8Array): number {
    const dead = this.dead[layer];
    const first = this.firstDiedAt[layer];
    const last = this.lastDiedAt[layer];
    const rev = this.revivalsOf[layer];
    const n = dead.length;
    if (!this.seen[layer]) {
      this.seen[layer] = true;
      let count = 0;
      for (let j = 0; j < n; j++) {
        dead[j] = mask[j] ? 1 : 0;
        if (dead[j]) {
          count++;
          first[j] = last[j] = step;
        }
      }
      this.deadAtInit[layer] = count;
      return this.revivals[layer];
    }
    for (let j = 0; j < n; j++) {
      const now = mask[j] ? 1 : 0;
      if (now === dead[j]) continue;
      dead[j] = now;
      if (now) {
        if (first[j] < 0) first[j] = step;
        last[j] = step;
        this.diedInTraining[layer][j] = 1;
        this.push({ step, layer, unit: j, kind: 'died' });
      } else {
        rev[j]++;
        this.revivals[layer]++;
        this.push({ step, layer, unit: j, kind: 'revived' });
      }
    }
    return this.revivals[layer];
  }

  private push(e: DeadUnitEvent): void {
    if (this.events.length < MAX_DEAD_EVENTS) this.events.push(e);
    else this.droppedEvents++;
  }

  /** Cumulative revival events of a layer. */
  revivedCount(layer: number): number {
    return this.revivals[layer];
  }

  /** Whether unit `unit` of `layer` is dead at the latest record. */
  isDead(layer: number, unit: number): boolean {
    return this.dead[layer][unit] === 1;
  }

  /** Step of the record at which the unit last died (-1: never). */
  diedAt(layer: number, unit: number): number {
    return this.lastDiedAt[layer][unit];
  }

  /** Times the unit came back. */
  revivalsOfUnit(layer: number, unit: number): number {
    return this.revivalsOf[layer][unit];
  }

  summary(): DeadLayerSummary[] {
    return this.units.map((n, layer) => {
      const dead = this.dead[layer];
      const first = this.firstDiedAt[layer];
      const rev = this.revivalsOf[layer];
      const diedInTraining = this.diedInTraining[layer];
      let deadNow = 0;
      let everDead = 0;
      let died = 0;
      let unitsRevived = 0;
      let permanentlyDead = 0;
      for (let j = 0; j < n; j++) {
        if (dead[j]) deadNow++;
        if (first[j] >= 0) everDead++;
        if (diedInTraining[j]) died++;
        if (rev[j] > 0) unitsRevived++;
        if (dead[j] && rev[j] === 0) permanentlyDead++;
      }
      return {
        layer,
        units: n,
        deadAtInit: this.deadAtInit[layer],
        deadNow,
        everDead,
        died,
        revivals: this.revivals[layer],
        unitsRevived,
        permanentlyDead,
      };
    });
  }
}
