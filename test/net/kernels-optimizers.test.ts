/**
 * The wasm kernel's adam and momentum updates against the optimizers' loops: the same bits in
 * the weights and the state after several steps with weight decay, for lengths that are not a
 * multiple of 4, on one thread and cut between two; the state cut from the model's pool.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { threadedJobs } from '../../src/net/kernels-threads.js';
import type { WasmKernels } from '../../src/net/kernels-wasm.js';
import { MLP, initializeMLP } from '../../src/net/mlp.js';
import { OPTIMIZERS, type OptimizerParam } from '../../src/net/optimizers.js';
import { createRng } from '../../src/net/rng.js';
import { wasmKernelPair } from '../helpers/wasm.js';

let one: WasmKernels;
let two: WasmKernels;

beforeAll(async () => {
  ({ one, two } = await wasmKernelPair({ chunkMinElements: 8 }));
});

/** Parameters of these lengths with their grads: in kernel k's memory (with a pool for `slots`), or plain arrays. */
function params(lengths: readonly number[], slots: number, k: WasmKernels | null): { ps: OptimizerParam[]; pool: Float32Array | null } {
  const total = lengths.reduce((s, n) => s + n, 0);
  const sizes = [...lengths.flatMap((n) => [n, n]), slots * total];
  const bufs = (k === null ? sizes.map((n) => new Float32Array(n)) : k.allocBuffers('float32', sizes)) as Float32Array[];
  const rng = createRng('opt');
  const ps = lengths.map((n, i) => {
    const value = bufs[2 * i];
    const grad = bufs[2 * i + 1];
    for (let j = 0; j < n; j++) {
      value[j] = rng.normal();
      grad[j] = rng.normal() * 10 ** rng.uniform(-4, 1);
    }
    return { name: `p${i}`, value, grad };
  });
  return { ps, pool: k === null ? null : bufs[bufs.length - 1] };
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let first = -1;
  for (let i = 0; i < x.length && first < 0; i++) if (x[i] !== y[i]) first = i;
  expect(first, `${what}: [${first}] is ${b[first]}, the loop gives ${a[first]}`).toBe(-1);
}

const CASES = [
  ['adam', { beta1: 0.9, beta2: 0.999, eps: 1e-8 }],
  ['adam', { beta1: 0.5, beta2: 0.9, eps: 1e-3 }],
  ['momentum', { momentum: 0.9 }],
  ['momentum', { momentum: 0.7, nesterov: true }],
] as const;

describe('wasm optimizer updates give the loops\' bits', () => {
  for (const [label, k] of [['one thread', () => one], ['two threads', () => two]] as const) {
    for (const [name, hyper] of CASES) {
      it(`${name} ${JSON.stringify(hyper)}, ${label}`, () => {
        const lengths = [1, 3, 4, 7, 1000];
        const slots = OPTIMIZERS[name].slots.length;
        const ref = params(lengths, slots, null);
        const ours = params(lengths, slots, k());
        const a = OPTIMIZERS[name].create(ref.ps, hyper, 'float32');
        const b = OPTIMIZERS[name].create(ours.ps, hyper, 'float32', k(), ours.pool);
        // The state comes from the pool, so the kernel can run the update.
        for (const p of ours.ps) for (const buf of Object.values(b.state[p.name])) expect(buf.buffer).toBe(ours.pool!.buffer);
        const before = threadedJobs();
        for (let step = 0; step < 4; step++) {
          a.step(0.01, step % 2 === 0 ? 0 : 1e-2);
          b.step(0.01, step % 2 === 0 ? 0 : 1e-2);
        }
        if (label === 'two threads') expect(threadedJobs()).toBeGreaterThan(before);
        ref.ps.forEach((p, i) => {
          sameBits(p.value as Float32Array, ours.ps[i].value as Float32Array, `${p.name} value`);
          for (const s of OPTIMIZERS[name].slots) sameBits(a.state[p.name][s] as Float32Array, b.state[p.name][s] as Float32Array, `${p.name} ${s}`);
        });
      });
    }
  }

  it('an MLP keeps room for every parameter\'s state in its kernel\'s memory', () => {
    for (const norm of [null, { name: 'batch', eps: 1e-5, affine: true, momentum: 0.1 }] as const) {
      for (const activation of ['tanh', 'prelu'] as const) {
        const mlp = new MLP({ inputDim: 5, outputDim: 3, depth: 3, width: 7, activation, dtype: 'float32', kernels: one, maxRows: 4, norm, optimizerSlots: 2 });
        initializeMLP(mlp, { init: { name: 'glorot_uniform' }, biasInit: { name: 'zeros' } }, createRng(0).fork('init'));
        expect(mlp.optimizerPool!.buffer).toBe((mlp.params()[0].value as Float32Array).buffer);
        expect(mlp.optimizerPool!.length).toBeGreaterThanOrEqual(2 * mlp.paramCount);
        const opt = OPTIMIZERS.adam.create(mlp.params(), {}, 'float32', one, mlp.optimizerPool);
        for (const p of mlp.params()) expect(opt.state[p.name].m.buffer).toBe(mlp.optimizerPool!.buffer);
      }
    }
  });
});
