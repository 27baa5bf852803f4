import { describe, expect, it } from 'vitest';
import type { EventResult } from '../../src/metrics/events.js';
import { Recorder, type RecorderOptions, type RecorderSummary } from '../../src/metrics/recorder.js';
import type { HistogramRecord, LayerRecord, MetricRecord } from '../../src/metrics/types.js';
import { ACTIVATION_NAMES, ACTIVATIONS, type ActivationName } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { LOSSES } from '../../src/net/losses.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { createRng } from '../../src/net/rng.js';

/**
 * The tiny network of the hand computation (relu, depth 2, width 3, float64):
 *   x  = [[1, 2], [-1, 1]]
 *   W0 = [[1, 0], [0, 1], [-1, -1]],            b0 = [0, 0, -0.5]
 *   W1 = [[1, 1, 0], [0, -1, 1], [1, 0, 0.5]],  b1 = [0, 0, 0]
 *   W2 = [[1, 2, -1]],                          b2 = [0.5]
 * MSE against t = [[1], [2]]; the batch is also the probe.
 */
function tiny(activation: ActivationName = 'relu'): { mlp: MLP; x: Float64Array; t: Float64Array } {
  const mlp = new MLP({ inputDim: 2, outputDim: 1, depth: 2, width: 3, activation, dtype: 'float64', kernels: tsKernels, maxRows: 2 });
  const [l0, l1, l2] = mlp.layers;
  l0.W.set([1, 0, 0, 1, -1, -1]);
  l0.b.set([0, 0, -0.5]);
  l1.W.set([1, 1, 0, 0, -1, 1, 1, 0, 0.5]);
  l1.b.set([0, 0, 0]);
  l2.W.set([1, 2, -1]);
  l2.b.set([0.5]);
  return { mlp, x: Float64Array.from([1, 2, -1, 1]), t: Float64Array.from([1, 2]) };
}

interface Sink {
  records: MetricRecord[];
  histograms: HistogramRecord[];
}

function recorderFor(mlp: MLP, probeX: Float64Array | Float32Array, probeRows: number, extra: Partial<RecorderOptions> = {}): { rec: Recorder; sink: Sink } {
  const sink: Sink = { records: [], histograms: [] };
  const rec = new Recorder({
    mlp,
    activation: mlp.activation,
    activationParams: mlp.activationParams,
    init: { name: 'he_normal' },
    biasInit: { name: 'zeros' },
    depth: mlp.depth,
    width: mlp.width,
    probeX,
    probeRows,
    every: 1,
    histogramsEvery: null,
    onRecord: (r) => sink.records.push(r),
    onHistogram: (h) => sink.histograms.push(h),
    ...extra,
  });
  return { rec, sink };
}

/** forward + MSE + backward on (x, t); returns the loss. */
function backprop(mlp: MLP, x: Float64Array | Float32Array, t: Float64Array | Float32Array, rows: number): number {
  const k = mlp.outputDim;
  const out = mlp.forward(x, rows);
  const L = LOSSES.mse.forward(out, t, rows, k);
  const dOut = new Float64Array(rows * k);
  LOSSES.mse.backward(out, t, dOut, rows, k);
  mlp.backward(mlp.dtype === 'float64' ? dOut : Float32Array.from(dOut), rows);
  return L;
}

/** The gradients event of step s (epoch 0). */
function gradients(rec: Recorder, step: number, loss: number): EventResult {
  return rec.handle({ type: 'gradients', step, epoch: 0, loss });
}

/** One step of the documented event order, with plain SGD in between. */
function step(rec: Recorder, mlp: MLP, s: number, x: Float64Array | Float32Array, t: Float64Array | Float32Array, rows: number, lr: number | null): MetricRecord | void {
  const L = backprop(mlp, x, t, rows);
  expect(rec.handle({ type: 'loss', step: s, loss: L }).diverged).toBeUndefined();
  expect(gradients(rec, s, L).diverged).toBeUndefined();
  rec.handle({ type: 'flush', step: s });
  if (lr === null) return;
  rec.handle({ type: 'beforeUpdate', step: s });
  for (const l of mlp.layers) {
    for (let i = 0; i < l.W.length; i++) l.W[i] -= lr * l.dW[i];
    for (let i = 0; i < l.b.length; i++) l.b[i] -= lr * l.db[i];
  }
  rec.handle({ type: 'updated', step: s });
}

describe('every metric on the tiny network, against the hand computation', () => {
  const { mlp, x, t } = tiny();
  const { rec, sink } = recorderFor(mlp, x, 2);
  rec.handle({ type: 'start' });
  step(rec, mlp, 0, x, t, 2, 0.1);
  const r0 = sink.records[0];
  const [a, b, c] = r0.layers as [LayerRecord, LayerRecord, LayerRecord];

  it('has the loss and the record frame', () => {
    // out = [2.5, 1.5], L = ((1.5)^2 + (0.5)^2) / 2
    expect(r0.step).toBe(0);
    expect(r0.loss).toBeCloseTo(1.25, 14);
    expect(r0.layers.map((l) => l.layer)).toEqual([0, 1, 2]);
  });

  it('has gradNorm, biasGradNorm, deltaNorm and weightNorm per layer', () => {
    // dW0 = [[0, 0], [2, 2.5], [0, 0]], dW1 = [[1.5, 2.5, 0], [0, 0, 0], [-1.5, -3, 0]], dW2 = [[4, 0, 1.5]]
    expect(a.gradNorm).toBeCloseTo(Math.sqrt(10.25), 12);
    expect(b.gradNorm).toBeCloseTo(Math.sqrt(19.75), 12);
    expect(c.gradNorm).toBeCloseTo(Math.sqrt(18.25), 12);
    // db0 = [0, 1, 0], db1 = [1, 0, -1.5], db2 = [1]
    expect(a.biasGradNorm).toBeCloseTo(1, 12);
    expect(b.biasGradNorm).toBeCloseTo(Math.sqrt(3.25), 12);
    expect(c.biasGradNorm).toBeCloseTo(1, 12);
    // dz0 = [[0, 1.5, 0], [0, -0.5, 0]], dz1 = [[1.5, 0, -1.5], [-0.5, 0, 0]], dz2 = [[1.5], [-0.5]]
    expect(a.deltaNorm).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(b.deltaNorm).toBeCloseTo(Math.sqrt(4.75), 12);
    expect(c.deltaNorm).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(a.weightNorm).toBeCloseTo(2, 12);
    expect(b.weightNorm).toBeCloseTo(Math.sqrt(5.25), 12);
    expect(c.weightNorm).toBeCloseTo(Math.sqrt(6), 12);
  });

  it('has gradDataRatio = std(dW) / std(W) and updateRatio 0 before any update', () => {
    // dW0 = [0, 0, 2, 2.5, 0, 0]: mean 0.75, var 6.875 / 6; W0: mean 0, var 4 / 6
    expect(a.gradDataRatio).toBeCloseTo(Math.sqrt(6.875 / 4), 12);
    expect(r0.layers.every((l) => l.updateRatio === 0)).toBe(true);
  });

  it('has the activation and pre-activation statistics of the probe', () => {
    // a0 = [1, 2, 0, 0, 1, 0], z0 = [1, 2, -3.5, -1, 1, -0.5]; a1 = [3, 0, 1, 1, 0, 0]; a2 = [2.5, 1.5]
    expect(a.actMean).toBeCloseTo(4 / 6, 14);
    expect(a.actRms).toBeCloseTo(1, 14);
    expect(a.actStd).toBeCloseTo(Math.sqrt(5 / 9), 14);
    expect(a.actMaxAbs).toBe(2);
    expect(a.preactMean).toBeCloseTo(-1 / 6, 14);
    expect(a.preactStd).toBeCloseTo(Math.sqrt(3.25 - 1 / 36), 14);
    expect(b.actMean).toBeCloseTo(5 / 6, 14);
    expect(b.actRms).toBeCloseTo(Math.sqrt(11 / 6), 14);
    expect(b.actMaxAbs).toBe(3);
    expect(c.actMean).toBeCloseTo(2, 14);
    expect(c.actStd).toBeCloseTo(0.5, 14);
  });

  it('has zero, dead and saturated fractions (relu\'(0) = 0 counts as zero)', () => {
    // layer 0: z <= 0 at (r0, u2), (r1, u0), (r1, u2); unit 2 dead. layer 1: z1 = [[3, -2, 1], [1, -1, 0]].
    expect(a.zeroFraction).toBeCloseTo(3 / 6, 14);
    expect(a.deadFraction).toBeCloseTo(1 / 3, 14);
    expect(a.saturatedFraction).toBeCloseTo(3 / 6, 14);
    expect(b.zeroFraction).toBeCloseTo(3 / 6, 14);
    expect(b.deadFraction).toBeCloseTo(1 / 3, 14);
    expect(c.zeroFraction).toBe(0);
    expect(c.deadFraction).toBe(0);
    expect(c.saturatedFraction).toBe(0);
    expect(a.revivedCount).toBe(0);
  });

  it('has the vanishing ratio and the fitted factors over the hidden layers', () => {
    expect(r0.vanishing).toBeCloseTo(Math.log10(Math.sqrt(10.25 / 19.75)), 12);
    // deltaNorm^2 going down: 4.75 (layer 1) -> 2.5 (layer 0)
    expect(r0.deltaGrowth).toBeCloseTo(2.5 / 4.75, 12);
    // actRms going up: 1 -> sqrt(11/6)
    expect(r0.actGrowth).toBeCloseTo(Math.sqrt(11 / 6), 12);
  });

  it('has updateRatio = lr ||dW|| / ||W|| in the record after an SGD step', () => {
    const W0 = Float64Array.from(mlp.layers[0].W);
    step(rec, mlp, 1, x, t, 2, null);
    const r1 = sink.records[1];
    expect(r1.step).toBe(1);
    // W1 = W0 - 0.1 dW0, so ||W1 - W0|| / ||W0|| = 0.1 sqrt(10.25) / 2 (W0 here is already W1).
    expect(r1.layers[0].updateRatio).toBeCloseTo((0.1 * Math.sqrt(10.25)) / 2, 12);
    expect(r1.layers[2].updateRatio).toBeCloseTo((0.1 * Math.sqrt(18.25)) / Math.sqrt(6), 12);
    expect(W0[2]).toBeCloseTo(0 - 0.1 * 2, 14);
  });

  it('counts saturation against 5% of the maximum derivative (tanh: |z| > atanh(sqrt(0.95)))', () => {
    const n = tiny('tanh');
    const r = recorderFor(n.mlp, n.x, 2);
    r.rec.handle({ type: 'start' });
    step(r.rec, n.mlp, 0, n.x, n.t, 2, null);
    // z0 = [1, 2, -3.5, -1, 1, -0.5]: only |-3.5| > 2.178
    const l0 = r.sink.records[0].layers[0];
    expect(l0.saturatedFraction).toBeCloseTo(1 / 6, 14);
    expect(l0.zeroFraction).toBe(0);
    expect(l0.deadFraction).toBe(0);
  });
});

/** relu net, width 8, whose units `dead` have bias -100 (dead on every input in [-1, 1]) and the rest +100. */
function withDeadUnits(dead: readonly number[], width = 8, depth = 2): { mlp: MLP; x: Float32Array; t: Float32Array } {
  const mlp = new MLP({ inputDim: 3, outputDim: 2, depth, width, activation: 'relu', dtype: 'float32', kernels: tsKernels, maxRows: 16 });
  initializeMLP(mlp, { init: { name: 'uniform', limit: 0.1 }, biasInit: { name: 'zeros' } }, createRng(1).fork('init'));
  for (let j = 0; j < width; j++) mlp.layers[0].b[j] = dead.includes(j) ? -100 : 100;
  const rng = createRng(2);
  const x = Float32Array.from({ length: 16 * 3 }, () => rng.uniform(-1, 1));
  const t = Float32Array.from({ length: 16 * 2 }, () => rng.normal());
  return { mlp, x, t };
}

describe('dead units', () => {
  it.each([0, 1, 3, 8])('finds exactly %i dead units of 8', (k) => {
    const dead = [7, 2, 5, 0, 1, 3, 4, 6].slice(0, k);
    const { mlp, x, t } = withDeadUnits(dead);
    const { rec, sink } = recorderFor(mlp, x, 16);
    rec.handle({ type: 'start' });
    step(rec, mlp, 0, x, t, 16, null);
    expect(sink.records[0].layers[0].deadFraction).toBe(k / 8);
    expect(sink.records[0].layers[0].zeroFraction).toBe(k / 8);
    const s = rec.summary();
    expect(s.deadUnits[0].deadAtInit).toBe(k);
    expect(s.initial!.deadUnits).toBeGreaterThanOrEqual(k);
    expect(s.bornDead).toBe(k === 8);
    // With every unit of layer 0 dead, layer 1 sees only zeros and its zero biases: relu'(0) = 0.
    expect(s.bornDeadLayers).toEqual(k === 8 ? [0, 1] : []);
  });

  it('counts a unit that dies and comes back in revivedCount, and records when it died', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec, sink } = recorderFor(mlp, x, 16);
    rec.handle({ type: 'start' });
    const b = mlp.layers[0].b;
    step(rec, mlp, 0, x, t, 16, null);
    b[4] = -100; // dies
    step(rec, mlp, 1, x, t, 16, null);
    b[4] = 100; // comes back
    step(rec, mlp, 2, x, t, 16, null);
    b[4] = -100; // dies again
    step(rec, mlp, 3, x, t, 16, null);
    b[4] = 100;
    step(rec, mlp, 4, x, t, 16, null);
    expect(sink.records.map((r) => r.layers[0].deadFraction)).toEqual([0, 1 / 8, 0, 1 / 8, 0]);
    expect(sink.records.map((r) => r.layers[0].revivedCount)).toEqual([0, 0, 1, 1, 2]);
    const s = rec.summary();
    expect(s.deadUnits[0]).toMatchObject({ deadAtInit: 0, died: 1, revivals: 2, unitsRevived: 1, deadNow: 0, permanentlyDead: 0 });
    expect(s.deadUnitEvents.filter((e) => e.layer === 0)).toEqual([
      { step: 1, layer: 0, unit: 4, kind: 'died' },
      { step: 2, layer: 0, unit: 4, kind: 'revived' },
      { step: 3, layer: 0, unit: 4, kind: 'died' },
      { step: 4, layer: 0, unit: 4, kind: 'revived' },
    ]);
  });
});

describe('histograms', () => {
  it('add up to the number of values and keep their bins across records', () => {
    const { mlp, x, t } = withDeadUnits([1]);
    const { rec, sink } = recorderFor(mlp, x, 16, { histogramsEvery: 2, every: 1 });
    rec.handle({ type: 'start' });
    for (let s = 0; s < 5; s++) step(rec, mlp, s, x, t, 16, 0.05);
    expect(sink.histograms.map((h) => h.step)).toEqual([0, 2, 4]);
    const sum = (h: { counts: readonly number[]; under?: number; over?: number; nan?: number }): number =>
      h.counts.reduce((a, c) => a + c, 0) + (h.under ?? 0) + (h.over ?? 0) + (h.nan ?? 0);
    for (const h of sink.histograms) {
      expect(h.layers.length).toBe(3);
      for (const l of h.layers) {
        const layer = mlp.layers[l.layer];
        expect(sum(l.z)).toBe(16 * layer.fanOut);
        expect(sum(l.a)).toBe(16 * layer.fanOut * layer.widthFactor);
        expect(sum(l.dW)).toBe(layer.fanOut * layer.fanIn);
        expect(sum(l.dz)).toBe(16 * layer.fanOut);
        const first = sink.histograms[0].layers[l.layer];
        expect(l.z.edges).toEqual(first.z.edges);
        expect(l.a.edges).toEqual(first.a.edges);
        expect(l.dW.edges).toEqual(first.dW.edges);
      }
    }
    // relu: a's bins start at 0; the dead unit's exact-zero dz land in the zero bin of the log bins.
    expect(sink.histograms[0].layers[0].a.edges[0]).toBe(0);
    const dz0 = sink.histograms[0].layers[0].dz;
    expect(dz0.counts[(dz0.counts.length - 1) / 2]).toBeGreaterThanOrEqual(16);
  });
});

describe('cadence and events', () => {
  it('records step 0 and every `every` steps, plus steps with an evaluation', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec, sink } = recorderFor(mlp, x, 16, { every: 3 });
    rec.handle({ type: 'start' });
    for (let s = 0; s <= 7; s++) {
      if (s === 5) rec.handle({ type: 'eval', step: 5, trainAcc: 0.5, testAcc: null, trainLoss: 1.5, testLoss: null });
      const L = backprop(mlp, x, t, 16);
      gradients(rec, s, L);
      if (s === 7) rec.handle({ type: 'eval', step: 7, trainAcc: 0.75, testAcc: 0.625, trainLoss: 1, testLoss: 2 });
      rec.handle({ type: 'flush', step: s });
    }
    expect(sink.records.map((r) => r.step)).toEqual([0, 3, 5, 6, 7]);
    expect(sink.records[2]).toMatchObject({ trainAcc: 0.5, trainLoss: 1.5 });
    expect(sink.records[2]).not.toHaveProperty('testAcc');
    expect(sink.records[4]).toMatchObject({ trainAcc: 0.75, testAcc: 0.625, trainLoss: 1, testLoss: 2 });
    expect(Object.keys(sink.records[4])[0]).toBe('step');
    expect(Object.keys(sink.records[4]).at(-1)).toBe('layers');
  });

  it('asks for an evaluation at the evaluation steps of a run of known length, unless one came early', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec, sink } = recorderFor(mlp, x, 16, { every: 4, steps: 6, evalEvery: 3 });
    rec.handle({ type: 'start' });
    const asked: number[] = [];
    for (let s = 0; s <= 6; s++) {
      if (s === 3) rec.handle({ type: 'eval', step: 3, trainAcc: 1, testAcc: null, trainLoss: 0, testLoss: null });
      if (gradients(rec, s, backprop(mlp, x, t, 16)).evaluate) {
        asked.push(s);
        rec.handle({ type: 'eval', step: s, trainAcc: 0.5, testAcc: null, trainLoss: 1, testLoss: null });
      }
      rec.handle({ type: 'flush', step: s });
    }
    expect(asked).toEqual([0, 6]);
    expect(sink.records.map((r) => [r.step, r.trainAcc])).toEqual([[0, 0.5], [3, 1], [4, undefined], [6, 0.5]]);
  });

  it('copies the weights before an update only when the next step is recorded', () => {
    const { mlp, x, t } = tiny('tanh');
    const { rec, sink } = recorderFor(mlp, x, 2, { every: 3 });
    rec.handle({ type: 'start' });
    for (let s = 0; s <= 6; s++) step(rec, mlp, s, x, t, 2, 0.01);
    // Steps 3 and 6 follow a copy (a record without one would say 0); steps in between are not recorded.
    expect(sink.records.map((r) => r.step)).toEqual([0, 3, 6]);
    for (const r of sink.records.slice(1)) expect(r.layers.every((l) => l.updateRatio > 0)).toBe(true);
  });

  it('records only step, epoch, loss and evaluations when disabled', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec, sink } = recorderFor(mlp, x, 16, { every: 2, enabled: false, histogramsEvery: 1 });
    rec.handle({ type: 'start' });
    for (let s = 0; s < 4; s++) step(rec, mlp, s, x, t, 16, 0.1);
    expect(sink.records.map((r) => [r.step, r.layers.length])).toEqual([[0, 0], [2, 0]]);
    expect(sink.histograms).toEqual([]);
  });

  it('flushes a pending record at the end', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec, sink } = recorderFor(mlp, x, 16);
    rec.handle({ type: 'start' });
    gradients(rec, 0, backprop(mlp, x, t, 16));
    const s = rec.summary();
    expect(sink.records.length).toBe(1);
    expect(s.initial).not.toBeNull();
    expect(s.final!.step).toBe(0);
  });
});

describe('divergence', () => {
  it('reports the first layer whose activation is not finite', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec, sink } = recorderFor(mlp, x, 16);
    rec.handle({ type: 'start' });
    step(rec, mlp, 0, x, t, 16, null);
    mlp.layers[1].W[3] = 3e38; // finite, but z = 3e38 * ~100 overflows float32
    const L = backprop(mlp, x, t, 16);
    expect(gradients(rec, 1, L).diverged).toEqual({ step: 1, layer: 1, what: 'activation' });
    rec.handle({ type: 'flush', step: 1 });
    // The record before the divergence is kept, none is made for the diverged step.
    expect(sink.records.map((r) => r.step)).toEqual([0]);
    expect(rec.summary().final!.step).toBe(0);
  });

  it('answers a non-finite loss event with the first layer whose activations went bad', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec } = recorderFor(mlp, x, 16);
    rec.handle({ type: 'start' });
    expect(rec.handle({ type: 'loss', step: 0, loss: backprop(mlp, x, t, 16) })).toEqual({});
    expect(rec.handle({ type: 'loss', step: 1, loss: Infinity }).diverged).toEqual({ step: 1, layer: null, what: 'loss' });
    mlp.layers[1].a[5] = NaN;
    expect(rec.handle({ type: 'loss', step: 2, loss: NaN }).diverged).toEqual({ step: 2, layer: 1, what: 'loss' });
  });

  it('reports a non-finite loss without a layer, and a non-finite gradient with its layer', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec } = recorderFor(mlp, x, 16);
    rec.handle({ type: 'start' });
    backprop(mlp, x, t, 16);
    expect(gradients(rec, 0, NaN).diverged).toEqual({ step: 0, layer: null, what: 'loss' });
    backprop(mlp, x, t, 16);
    mlp.layers[2].db[0] = NaN;
    expect(gradients(rec, 1, 1).diverged).toEqual({ step: 1, layer: 2, what: 'gradient' });
  });

  it('names a weight the update made non-finite at the next step, whose weights they are', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec } = recorderFor(mlp, x, 16);
    rec.handle({ type: 'start' });
    gradients(rec, 0, backprop(mlp, x, t, 16));
    rec.handle({ type: 'flush', step: 0 });
    rec.handle({ type: 'beforeUpdate', step: 0 });
    mlp.layers[1].W[0] = NaN;
    expect(rec.handle({ type: 'updated', step: 0 }).diverged).toBeUndefined();
    expect(gradients(rec, 1, backprop(mlp, x, t, 16)).diverged).toEqual({ step: 1, layer: 1, what: 'weight' });
  });
});

describe('theory beside the measurement', () => {
  /**
   * A 50-layer, width-512 tanh network with weights N(0, sigma_w^2 / 512) at step 0: the fitted
   * per-layer factor of deltaNorm^2 over the hidden layers against chi1.
   */
  function deepTanh(sigmaW2: number): RecorderSummary {
    const width = 512;
    const depth = 50;
    const rows = 16;
    const mlp = new MLP({ inputDim: 16, outputDim: 4, depth, width, activation: 'tanh', dtype: 'float32', kernels: tsKernels, maxRows: rows });
    const init = { name: 'normal', std: Math.sqrt(sigmaW2 / width) };
    initializeMLP(mlp, { init, biasInit: { name: 'zeros' } }, createRng(7).fork('init'));
    const rng = createRng(8);
    const x = Float32Array.from({ length: rows * 16 }, () => rng.normal());
    const t = Float32Array.from({ length: rows * 4 }, () => rng.normal());
    const { rec } = recorderFor(mlp, x, rows, { init, every: 10 });
    rec.handle({ type: 'start' });
    step(rec, mlp, 0, x, t, rows, null);
    return rec.summary();
  }

  it.each([0.5, 1.5])('measures the deltaNorm^2 factor within 10 percent of chi1 for sigma_w^2 = %f', (sigmaW2) => {
    const s = deepTanh(sigmaW2);
    const th = s.theory!;
    expect(th.sigmaW2).toBeCloseTo(sigmaW2, 12);
    expect(th.applies).toBe(true);
    expect(s.measuredDeltaFactorAtInit).not.toBeNull();
    expect(Math.abs(s.measuredDeltaFactorAtInit! / th.chi1! - 1)).toBeLessThan(0.1);
    expect(th.measuredDeltaFactor).toBe(s.measuredDeltaFactorAtInit);
    // The two phases are told apart: gradients vanish below the transition and grow above it.
    if (sigmaW2 < 1) expect(s.measuredDeltaFactorAtInit!).toBeLessThan(0.6);
    else expect(s.measuredDeltaFactorAtInit!).toBeGreaterThan(1);
  });

  it('uses the initializers of the run and the probe inputs for sigma_w^2, sigma_b^2 and q0', () => {
    const { mlp, x, t } = withDeadUnits([]);
    const { rec } = recorderFor(mlp, x, 16, { init: { name: 'glorot_normal', gain: 2 }, biasInit: { name: 'normal', std: 0.5 } });
    rec.handle({ type: 'start' });
    step(rec, mlp, 0, x, t, 16, null);
    const th = rec.summary().theory!;
    // glorot: Var = gain^2 * 2 / (fan_in + fan_out), times fan_in = 8: 4 * 2 * 8 / 16
    expect(th.sigmaW2).toBeCloseTo(4, 12);
    expect(th.sigmaB2).toBeCloseTo(0.25, 12);
    let x2 = 0;
    for (const v of x) x2 += v * v;
    const sw0 = (4 * 2 * 3) / (3 + 8);
    expect(th.q0).toBeCloseTo(sw0 * (x2 / x.length) + 0.25, 6);
    expect(th.applies).toBe(false);
    expect(th.reasons.join(' ')).toMatch(/narrow/);
  });
});

describe.each(ACTIVATION_NAMES)('the recorder on a %s network', (activation) => {
  it('gives finite metrics with fractions in [0, 1], a theory block and (PReLU) the slopes', () => {
    const mlp = new MLP({ inputDim: 3, outputDim: 2, depth: 3, width: 6, activation, dtype: 'float32', kernels: tsKernels, maxRows: 12 });
    initializeMLP(mlp, { init: { name: 'he_normal' }, biasInit: { name: 'normal', std: 0.1 } }, createRng(4).fork('init'));
    const rng = createRng(5);
    const x = Float32Array.from({ length: 12 * 3 }, () => rng.normal());
    const t = Float32Array.from({ length: 12 * 2 }, () => rng.normal());
    const { rec, sink } = recorderFor(mlp, x, 12, { histogramsEvery: 1 });
    rec.handle({ type: 'start' });
    for (let s = 0; s < 3; s++) step(rec, mlp, s, x, t, 12, 0.05);
    expect(sink.records.length).toBe(3);
    for (const r of sink.records) {
      for (const l of r.layers) {
        for (const [k, v] of Object.entries(l)) expect(Number.isFinite(v), `${k} of layer ${l.layer}`).toBe(true);
        for (const k of ['zeroFraction', 'deadFraction', 'saturatedFraction'] as const) {
          expect(l[k]).toBeGreaterThanOrEqual(0);
          expect(l[k]).toBeLessThanOrEqual(1);
        }
      }
      // The output layer is linear: its derivative is 1 everywhere.
      expect(r.layers[3].zeroFraction).toBe(0);
    }
    expect(sink.histograms[0].layers[0].a.counts.reduce((a, c) => a + c, 0) + (sink.histograms[0].layers[0].a.under ?? 0) + (sink.histograms[0].layers[0].a.over ?? 0))
      .toBe(12 * 6 * ACTIVATIONS[activation].widthFactor);
    const s = rec.summary();
    expect(s.theory).not.toBeNull();
    expect(s.theory!.reasons.join(' ')).toMatch(/narrow/);
    expect(s.final!.step).toBe(2);
    if (ACTIVATIONS[activation].learned) {
      expect(sink.records[0].layers[0].preluSlope).toBeCloseTo(0.25, 6);
      expect(s.preluSlopes!.initial.length).toBe(3);
    } else {
      expect(sink.records[0].layers[0]).not.toHaveProperty('preluSlope');
      expect(s.preluSlopes).toBeUndefined();
    }
  });
});
