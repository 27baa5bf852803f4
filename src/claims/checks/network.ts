/**
 * Rebuilding a trained network from a run's files, for the identity checks that must look at
 * every unit on every training example (a dead unit's gradient, pre-activations exactly 0):
 * the cell's config.json resolved again, its data loaded from the same seeded stream, and the
 * weights it saved at a step. Empirical checks never do this.
 */
import { join } from 'node:path';
import { resolveConfig } from '../../config/index.js';
import { paramsOf } from '../../config/schema.js';
import { loadDataset } from '../../data/index.js';
import { ACTIVATIONS, resolveActivationName } from '../../net/activations.js';
import { getKernels } from '../../net/kernels.js';
import { LOSSES } from '../../net/losses.js';
import { MLP } from '../../net/mlp.js';
import { createRng } from '../../net/rng.js';
import { importWeights } from '../../net/safetensors.js';
import { alloc } from '../../net/tensor.js';
import type { Cell } from '../runs.js';

export interface Rebuilt {
  readonly mlp: MLP;
  /** Training inputs in the model's dtype, [n, inputDim], and labels [n]. */
  readonly x: Float32Array | Float64Array;
  readonly y: Int32Array;
  readonly n: number;
}

/** The network of a cell with the weights it saved after `step` updates, and its training split. */
export function rebuild(c: Cell, step: number): Rebuilt {
  // config.json is the resolved config, which writes `seeds: null` for a cell of one seed; the input form omits it.
  const { seeds, ...rest } = c.config;
  const config = resolveConfig(seeds === null ? rest : c.config, join(c.dir, 'config.json'));
  const data = loadDataset(config.data, createRng(config.seed).fork('data'), { baseDir: c.dir });
  const activation = resolveActivationName(config.model.activation.name);
  if (activation === undefined) throw new Error(`${c.ref}: unknown activation ${config.model.activation.name}`);
  if (data.task !== 'classification') throw new Error(`${c.ref}: not a classification run`);
  const n = data.nTrain;
  const mlp = new MLP({
    inputDim: data.inputDim, outputDim: data.outputDim, depth: config.model.depth, width: config.model.width,
    activation, activationParams: paramsOf(config.model.activation), dtype: config.model.dtype, kernels: getKernels('ts'), maxRows: n,
  });
  importWeights(mlp, join(c.dir, `weights-step${step}.safetensors`));
  const x = config.model.dtype === 'float32' ? Float32Array.from(data.xTrain) : Float64Array.from(data.xTrain);
  return { mlp, x, y: data.yTrain, n };
}

/**
 * One forward and backward pass over the whole training set: per hidden layer, the units whose
 * derivative is 0 on every example, the largest |dL/dW| or |dL/db| entry of those units, and the
 * number of pre-activations exactly 0.
 */
export function wholeSetPass(r: Rebuilt): { readonly dead: number[]; readonly maxDeadGrad: number; readonly exactZeros: number[]; readonly preacts: number } {
  const { mlp, x, y, n } = r;
  const out = mlp.forward(x, n);
  const k = mlp.outputDim;
  const dOut = alloc(mlp.dtype, n * k);
  LOSSES.cross_entropy.backward(out, y, dOut, n, k);
  mlp.backward(dOut, n);
  const dead: number[] = [];
  const exactZeros: number[] = [];
  let maxDeadGrad = 0;
  let preacts = 0;
  for (let li = 0; li < mlp.depth; li++) {
    const l = mlp.layers[li];
    const units = l.fanOut;
    const wide = units * l.widthFactor;
    const d = alloc(mlp.dtype, n * wide);
    ACTIVATIONS[mlp.activation].derivative(l.z, l.a, d, n, units, l.activationParams, l.learned);
    let zeros = 0;
    for (let i = 0; i < n * units; i++) if (l.z[i] === 0) zeros++;
    exactZeros.push(zeros);
    preacts += n * units;
    let inLayer = 0;
    for (let j = 0; j < units; j++) {
      let isDead = true;
      for (let row = 0; row < n && isDead; row++) if (d[row * wide + j] !== 0) isDead = false;
      if (!isDead) continue;
      inLayer++;
      for (let i = 0; i < l.fanIn; i++) maxDeadGrad = Math.max(maxDeadGrad, Math.abs(l.dW[j * l.fanIn + i]));
      maxDeadGrad = Math.max(maxDeadGrad, Math.abs(l.db[j]));
    }
    dead.push(inLayer);
  }
  return { dead, maxDeadGrad, exactZeros, preacts };
}
