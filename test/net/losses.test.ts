import { describe, expect, it } from 'vitest';
import { accuracy, LOSS_NAMES, LOSSES, resolveLossName, type LossName, type LossTarget } from '../../src/net/losses.js';
import { createRng, type Rng } from '../../src/net/rng.js';
import { expectGradientsClose } from '../helpers/gradcheck.js';

/** A random target of the kind each loss takes; a new loss fails to compile until it has one. */
const TARGETS: Record<LossName, (rows: number, cols: number, rng: Rng) => LossTarget> = {
  cross_entropy: (rows, cols, rng) => Int32Array.from({ length: rows }, () => rng.int(cols)),
  mse: (rows, cols, rng) => Float64Array.from({ length: rows * cols }, () => rng.uniform(-2, 2)),
};

/** Repeats each row of a target `times` times (labels: [rows]; values: [rows, cols]). */
function repeatRows(t: LossTarget, rows: number, cols: number, times: number): LossTarget {
  const per = t instanceof Int32Array ? 1 : cols;
  const out = t instanceof Int32Array ? new Int32Array(rows * times) : new Float64Array(rows * times * cols);
  for (let k = 0; k < times; k++) out.set(t.subarray(0, rows * per), k * rows * per);
  return out;
}

describe('loss names', () => {
  it('resolves canonical names and aliases, case-insensitively', () => {
    for (const name of LOSS_NAMES) {
      expect(resolveLossName(name.toUpperCase())).toBe(name);
      for (const alias of LOSSES[name].aliases) expect(resolveLossName(alias)).toBe(name);
    }
    expect([...LOSS_NAMES].sort()).toEqual(['cross_entropy', 'mse']);
    expect(resolveLossName('hinge')).toBeUndefined();
  });
});

describe.each(LOSS_NAMES)('%s', (name) => {
  const loss = LOSSES[name];

  it.each([
    { rows: 1, cols: 2 },
    { rows: 4, cols: 5 },
    { rows: 7, cols: 3 },
  ])('backward matches finite differences of forward in float64 ($rows x $cols)', ({ rows, cols }) => {
    const rng = createRng(`${name}/${rows}x${cols}`);
    const out = Float64Array.from({ length: rows * cols }, () => rng.uniform(-3, 3));
    const target = TARGETS[name](rows, cols, rng);
    const dOut = new Float64Array(rows * cols);
    loss.backward(out, target, dOut, rows, cols);
    expectGradientsClose({
      label: `${name} dOut`,
      params: out,
      analytic: dOut,
      loss: () => loss.forward(out, target, rows, cols),
      indexName: (i) => `out[${Math.floor(i / cols)}, ${i % cols}]`,
      tol: 1e-7,
    });
  });

  it('is a mean over the batch: repeating every row keeps L and divides dL/dout by the repeats', () => {
    const rows = 3;
    const cols = 4;
    const rng = createRng(`${name}/mean`);
    const out = Float64Array.from({ length: rows * cols }, () => rng.uniform(-3, 3));
    const target = TARGETS[name](rows, cols, rng);
    const out3 = new Float64Array(3 * rows * cols);
    for (let k = 0; k < 3; k++) out3.set(out, k * rows * cols);
    const target3 = repeatRows(target, rows, cols, 3);
    expect(loss.forward(out3, target3, 3 * rows, cols)).toBeCloseTo(loss.forward(out, target, rows, cols), 14);
    const d1 = new Float64Array(rows * cols);
    const d3 = new Float64Array(3 * rows * cols);
    loss.backward(out, target, d1, rows, cols);
    loss.backward(out3, target3, d3, 3 * rows, cols);
    for (let i = 0; i < d1.length; i++) expect(d3[i] * 3).toBeCloseTo(d1[i], 15);
  });

  it('gives float32 outputs the float64 loss and gradient to float32 precision', () => {
    const rows = 6;
    const cols = 3;
    const rng = createRng(`${name}/f32`);
    const out32 = Float32Array.from({ length: rows * cols }, () => rng.uniform(-5, 5));
    const out64 = Float64Array.from(out32);
    const target = TARGETS[name](rows, cols, rng);
    const target32 = target instanceof Int32Array ? target : Float32Array.from(target);
    const target64 = target instanceof Int32Array ? target : Float64Array.from(target32);
    const l64 = loss.forward(out64, target64, rows, cols);
    expect(Math.abs(loss.forward(out32, target32, rows, cols) - l64)).toBeLessThan(1e-6 * Math.max(1, l64));
    const d32 = new Float32Array(rows * cols);
    const d64 = new Float64Array(rows * cols);
    loss.backward(out32, target32, d32, rows, cols);
    loss.backward(out64, target64, d64, rows, cols);
    for (let i = 0; i < d64.length; i++) expect(Math.abs(d32[i] - d64[i])).toBeLessThan(1e-6);
  });
});

describe('cross_entropy', () => {
  const ce = LOSSES.cross_entropy;

  it('equals -log softmax[label] on a hand-worked row', () => {
    // softmax([0, ln 3]) = [1/4, 3/4]; L = -ln(3/4); dL/dout = p - onehot = [1/4, -1/4].
    const out = new Float64Array([0, Math.log(3)]);
    expect(ce.forward(out, new Int32Array([1]), 1, 2)).toBeCloseTo(-Math.log(0.75), 15);
    const d = new Float64Array(2);
    ce.backward(out, new Int32Array([1]), d, 1, 2);
    expect(d[0]).toBeCloseTo(0.25, 15);
    expect(d[1]).toBeCloseTo(-0.25, 15);
  });

  it.each([2, 3, 10, 100])('of uniform logits is ln(%i) whatever the label and the constant', (classes) => {
    for (const c of [0, 7.5, -1e4, 1e4]) {
      const out = new Float64Array(2 * classes).fill(c);
      const labels = new Int32Array([0, classes - 1]);
      expect(ce.forward(out, labels, 2, classes)).toBeCloseTo(Math.log(classes), 12);
    }
  });

  it('stays finite and exact for logits of 1e4 (log-sum-exp by hand)', () => {
    const cols = 3;
    const out = new Float64Array([1e4, 0, -1e4, 1e4, 1e4 - 1, 1e4 - 2, -1e4, -1e4 + 3, 1e4]);
    const labels = new Int32Array([1, 2, 0]);
    // Row losses: lse(row) - row[label], with lse = max + log sum exp(x - max) written out.
    const expected = [
      1e4 + Math.log(1 + Math.exp(-1e4) + Math.exp(-2e4)) - 0,
      1e4 + Math.log(1 + Math.exp(-1) + Math.exp(-2)) - (1e4 - 2),
      1e4 + Math.log(Math.exp(-2e4) + Math.exp(-2e4 + 3) + 1) - -1e4,
    ];
    const L = ce.forward(out, labels, 3, cols);
    expect(Number.isFinite(L)).toBe(true);
    expect(L).toBeCloseTo((expected[0] + expected[1] + expected[2]) / 3, 8);
    expect(ce.forward(out.subarray(3, 6), labels.subarray(1, 2), 1, cols)).toBeCloseTo(2 + Math.log(1 + Math.exp(-1) + Math.exp(-2)), 10);
    const d = new Float64Array(9);
    ce.backward(out, labels, d, 3, cols);
    for (let r = 0; r < 3; r++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) {
        expect(Number.isFinite(d[r * cols + c])).toBe(true);
        sum += d[r * cols + c];
      }
      // Softmax sums to 1 and the one-hot to 1, so each row of dL/dout sums to 0.
      expect(Math.abs(sum)).toBeLessThan(1e-15);
    }
    expect(d[1]).toBeCloseTo(-1 / 3, 15);
    expect(d[0]).toBeCloseTo(1 / 3, 15);
  });

  it('rejects float targets and labels outside [0, classes)', () => {
    const out = new Float64Array(4);
    expect(() => ce.forward(out, new Float64Array(4), 2, 2)).toThrow('cross_entropy needs integer labels (Int32Array) as targets');
    expect(() => ce.forward(out, new Int32Array([0, 2]), 2, 2)).toThrow('cross_entropy: label 2 at row 1 is outside [0, 2)');
    expect(() => ce.backward(out, new Int32Array([-1, 0]), new Float64Array(4), 2, 2)).toThrow('cross_entropy: label -1 at row 0 is outside [0, 2)');
  });
});

describe('mse', () => {
  const mse = LOSSES.mse;

  it('is the mean over all batch * outputs elements, as PyTorch MSELoss', () => {
    // (1-0)^2 + (2-2)^2 + (3-5)^2 + (4-4)^2 = 5 over 4 elements; dL/dout = 2 (out - t) / 4.
    const out = new Float64Array([1, 2, 3, 4]);
    const t = new Float64Array([0, 2, 5, 4]);
    expect(mse.forward(out, t, 2, 2)).toBe(1.25);
    const d = new Float64Array(4);
    mse.backward(out, t, d, 2, 2);
    expect(Array.from(d)).toEqual([0.5, 0, -1, 0]);
  });

  it('rejects integer labels as targets', () => {
    expect(() => mse.forward(new Float64Array(2), new Int32Array(2), 2, 1)).toThrow('mse needs float targets [rows, cols], not integer labels');
  });
});

describe('accuracy', () => {
  it('counts rows whose argmax is the label; ties go to the first maximum; NaN never wins', () => {
    const out = new Float64Array([
      0.1, 0.7, 0.2, // argmax 1
      5, 5, 1, // tie: 0
      NaN, NaN, NaN, // no argmax: wrong
      NaN, -1, 2, // argmax 2
    ]);
    expect(accuracy(out, new Int32Array([1, 0, 0, 2]), 4, 3)).toBe(0.75);
    expect(accuracy(out, new Int32Array([1, 1, 0, 2]), 4, 3)).toBe(0.5);
    expect(accuracy(out, new Int32Array([0, 1, 2, 0]), 4, 3)).toBe(0);
  });
});
