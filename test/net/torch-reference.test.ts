/**
 * gradflow against PyTorch autograd on the same weights: test/fixtures/torch-reference holds
 * the weights, the batch and the numbers scripts/torch-reference.py computed with PyTorch
 * (float64, one training-mode step, mean cross-entropy). Only the committed files are read.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import type { MetricRecord } from '../../src/metrics/types.js';
import type { ActivationName } from '../../src/net/activations.js';
import { tsKernels } from '../../src/net/kernels-ts.js';
import { LOSSES } from '../../src/net/losses.js';
import { MLP } from '../../src/net/mlp.js';
import { normSpec } from '../../src/net/norm.js';
import { importWeights, readSafetensors, toFloat64Array } from '../../src/net/safetensors.js';
import { trainCell } from '../../src/train/trainer.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/torch-reference');
const TOL = 1e-7;

interface RefLayer {
  readonly layer: number;
  readonly gradNorm: number;
  readonly biasGradNorm: number;
  readonly deltaNorm: number;
  readonly gammaGradNorm?: number;
  readonly betaGradNorm?: number;
}

interface RefCase {
  readonly name: string;
  readonly model: {
    readonly depth: number;
    readonly width: number;
    readonly activation: ActivationName;
    readonly norm: 'none' | { readonly name: 'batch' | 'layer'; readonly eps: number; readonly affine: boolean; readonly momentum?: number };
    readonly residual: false | { readonly scale: number };
  };
  readonly weights: string;
  readonly loss: number;
  readonly layers: readonly RefLayer[];
  readonly runningAfterStep: Readonly<Record<string, readonly number[]>>;
  readonly evalLogits: readonly number[];
}

const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')) as { readonly cases: readonly RefCase[] };
const data = readSafetensors(join(FIXTURES, 'data.safetensors')).tensors;
const x = toFloat64Array(data.get('x')!);
const y = Int32Array.from(toFloat64Array(data.get('y')!));
const [ROWS, INPUTS] = data.get('x')!.shape;
const CLASSES = 3;

/** |a - b| / |b|, or |a - b| where the reference is (numerically) zero. */
const relErr = (a: number, b: number): number => (Math.abs(b) > 1e-12 ? Math.abs(a - b) / Math.abs(b) : Math.abs(a - b));

const norm2 = (a: ArrayLike<number>, n = a.length): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * a[i];
  return Math.sqrt(s);
};

function build(c: RefCase): MLP {
  const m = c.model;
  const mlp = new MLP({
    inputDim: INPUTS, outputDim: CLASSES, depth: m.depth, width: m.width, activation: m.activation, dtype: 'float64', kernels: tsKernels,
    maxRows: ROWS, norm: m.norm === 'none' ? null : normSpec(m.norm.name, { eps: m.norm.eps, affine: m.norm.affine, momentum: m.norm.momentum ?? 0.1 }), residual: m.residual === false ? null : m.residual,
  });
  importWeights(mlp, join(FIXTURES, c.weights));
  return mlp;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each(ref.cases.map((c) => [c.name, c] as const))('PyTorch reference %s', (_name, c) => {
  it('gives the same loss and per-layer gradient norms at step 0 (float64, 1e-7 relative)', () => {
    expect(ref.cases.length).toBeGreaterThanOrEqual(8);
    const mlp = build(c);
    const out = mlp.forward(x, ROWS);
    const loss = LOSSES.cross_entropy.forward(out, y, ROWS, CLASSES);
    expect(relErr(loss, c.loss)).toBeLessThan(TOL);
    const dOut = new Float64Array(ROWS * CLASSES);
    LOSSES.cross_entropy.backward(out, y, dOut, ROWS, CLASSES);
    mlp.backward(dOut, ROWS);
    for (const r of c.layers) {
      const l = mlp.layers[r.layer];
      const where = `layer ${r.layer}`;
      expect(relErr(norm2(l.dW), r.gradNorm), `${where} gradNorm`).toBeLessThan(TOL);
      expect(relErr(norm2(l.db), r.biasGradNorm), `${where} biasGradNorm`).toBeLessThan(TOL);
      expect(relErr(norm2(l.dz, ROWS * l.fanOut), r.deltaNorm), `${where} deltaNorm`).toBeLessThan(TOL);
      if (r.gammaGradNorm !== undefined) {
        expect(relErr(norm2(l.norm!.weightGrad), r.gammaGradNorm), `${where} gamma`).toBeLessThan(TOL);
        expect(relErr(norm2(l.norm!.biasGrad), r.betaGradNorm!), `${where} beta`).toBeLessThan(TOL);
      }
    }
  });

  it("updates batch norm's running statistics as PyTorch does, and evaluates with them", () => {
    const mlp = build(c);
    mlp.forward(x, ROWS);
    for (const b of mlp.buffers()) {
      const want = c.runningAfterStep[b.name];
      expect(want, b.name).toBeDefined();
      for (let i = 0; i < want.length; i++) expect(relErr(b.value[i], want[i]), `${b.name}[${i}]`).toBeLessThan(1e-12);
    }
    expect(mlp.buffers().length).toBe(Object.keys(c.runningAfterStep).length);
    const logits = mlp.forward(x, ROWS, 'eval');
    for (let i = 0; i < c.evalLogits.length; i++) expect(Math.abs(logits[i] - c.evalLogits[i])).toBeLessThan(1e-10 * (1 + Math.abs(c.evalLogits[i])));
  });

  it('records the same step-0 gradNorm when the trainer runs the weights file on the batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradflow-torch-ref-'));
    dirs.push(dir);
    const m = c.model;
    const config = resolveConfig({
      name: c.name,
      data: { kind: 'tensors', path: join(FIXTURES, 'data.safetensors'), testFraction: 0 },
      model: { depth: m.depth, width: m.width, activation: m.activation, dtype: 'float64', kernel: 'ts', initFrom: join(FIXTURES, c.weights), norm: m.norm, residual: m.residual },
      train: { steps: 0, batchSize: ROWS },
      metrics: { probe: ROWS, histogramsEvery: null },
    });
    await trainCell(config, { dir, baseDir: dir });
    const first = JSON.parse(readFileSync(join(dir, 'metrics.ndjson'), 'utf8').split('\n')[0]) as MetricRecord;
    expect(relErr(first.loss, c.loss)).toBeLessThan(TOL);
    for (const r of c.layers) {
      const got = first.layers[r.layer];
      expect(relErr(got.gradNorm, r.gradNorm), `layer ${r.layer} gradNorm`).toBeLessThan(TOL);
      if (r.gammaGradNorm !== undefined) expect(relErr(got.gammaGradNorm!, r.gammaGradNorm), `layer ${r.layer} gamma`).toBeLessThan(TOL);
    }
  });
});
