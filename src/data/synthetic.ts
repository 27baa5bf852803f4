/**
 * Seeded synthetic data sets. Each generator takes its resolved options and the data stream's
 * 'generate' fork, and returns every row before the split (src/data/split.ts does that). Where a
 * generator draws for several purposes it forks again ('centres' and 'points', 'points' and
 * 'labels', 'teacher', 'inputs' and 'noise'), so changing the noise level leaves the clean
 * points where they were.
 *
 * Classes are balanced by construction: class c gets floor(n/k) rows, plus one for c < n mod k.
 */
import {
  ACTIVATION_NAMES,
  ACTIVATIONS,
  activationParams,
  resolveActivationName,
  type Learned,
} from '../net/activations.js';
import type { Rng } from '../net/rng.js';
import { DataError, dataMessages } from './errors.js';
import {
  samplesParam,
  standardizeParam,
  testFractionParam,
  type DataParamSpecs,
  type ParamsFrom,
} from './params.js';
import type { RawData } from './types.js';

/** count[c] = floor(n/k) + (c < n mod k): the rows of each class, summing to n. */
export function classCounts(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, c) => base + (c < n % k ? 1 : 0));
}

export const SPIRALS_PARAMS = {
  samples: samplesParam(3000),
  testFraction: testFractionParam,
  standardize: standardizeParam,
  classes: { type: 'integer', default: 3, min: 2, doc: 'number of arms, one class each' },
  noise: { type: 'number', default: 0.2, min: 0, doc: 'std of the Gaussian noise added to the angle, in radians (as CS231n)' },
  turns: { type: 'number', default: 1.5, min: 0, doc: 'turns each arm makes from the centre out to radius 1' },
} as const satisfies DataParamSpecs;

/**
 * k interleaved Archimedean arms in the plane, x: [n, 2]. Point i of arm c (of n_c):
 * r = (i + 1/2) / n_c in (0, 1), theta = 2 pi (turns r + c / k) + noise N(0, 1),
 * x = (r cos theta, r sin theta), label c.
 */
export function generateSpirals(p: ParamsFrom<typeof SPIRALS_PARAMS>, rng: Rng): RawData {
  const { samples: n, classes: k, noise, turns } = p;
  const x = new Float64Array(n * 2);
  const y = new Int32Array(n);
  let row = 0;
  classCounts(n, k).forEach((nc, c) => {
    for (let i = 0; i < nc; i++, row++) {
      const r = (i + 0.5) / nc;
      const theta = 2 * Math.PI * (turns * r + c / k) + noise * rng.normal();
      x[2 * row] = r * Math.cos(theta);
      x[2 * row + 1] = r * Math.sin(theta);
      y[row] = c;
    }
  });
  return { task: 'classification', x, y, n, d: 2, classes: k };
}

/** Distance of every blob centre from the origin. With spread 1 the blobs barely overlap. */
export const BLOB_RADIUS = 4;
/** Candidate centre sets drawn; the one whose closest pair is farthest apart is kept. */
const BLOB_CANDIDATES = 16;

export const BLOBS_PARAMS = {
  samples: samplesParam(3000),
  testFraction: testFractionParam,
  standardize: standardizeParam,
  classes: { type: 'integer', default: 3, min: 2, doc: 'number of blobs, one class each' },
  dims: { type: 'integer', default: 2, min: 1, doc: 'dimension of the input space' },
  spread: { type: 'number', default: 1, min: 0, doc: 'std of each blob along every axis' },
} as const satisfies DataParamSpecs;

/**
 * Isotropic Gaussian blobs, x: [n, dims]. Centre c = BLOB_RADIUS u_c with u_c a random unit
 * vector (a normalised N(0, I) draw); of BLOB_CANDIDATES such sets the best separated one is
 * kept, so no two classes sit on top of each other by bad luck. Row of class c:
 * centre_c + spread N(0, I). Centres are drawn from the 'centres' fork, points from 'points'.
 */
export function generateBlobs(p: ParamsFrom<typeof BLOBS_PARAMS>, rng: Rng): RawData & { centres: Float64Array } {
  const { samples: n, classes: k, dims: d, spread } = p;
  const crng = rng.fork('centres');
  let centres = new Float64Array(k * d);
  let best = -1;
  for (let t = 0; t < BLOB_CANDIDATES; t++) {
    const cand = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      let norm = 0;
      while (norm < 1e-12) {
        norm = 0;
        for (let j = 0; j < d; j++) {
          const v = crng.normal();
          cand[c * d + j] = v;
          norm += v * v;
        }
      }
      const s = BLOB_RADIUS / Math.sqrt(norm);
      for (let j = 0; j < d; j++) cand[c * d + j] *= s;
    }
    let closest = Infinity;
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (cand[a * d + j] - cand[b * d + j]) ** 2;
        closest = Math.min(closest, s);
      }
    }
    if (closest > best) {
      best = closest;
      centres = cand;
    }
  }
  const prng = rng.fork('points');
  const x = new Float64Array(n * d);
  const y = new Int32Array(n);
  let row = 0;
  classCounts(n, k).forEach((nc, c) => {
    for (let i = 0; i < nc; i++, row++) {
      for (let j = 0; j < d; j++) x[row * d + j] = centres[c * d + j] + spread * prng.normal();
      y[row] = c;
    }
  });
  return { task: 'classification', x, y, n, d, classes: k, centres };
}

export const MOONS_PARAMS = {
  samples: samplesParam(2000),
  testFraction: testFractionParam,
  standardize: standardizeParam,
  noise: { type: 'number', default: 0.1, min: 0, doc: 'std of the Gaussian noise added to each coordinate' },
} as const satisfies DataParamSpecs;

/**
 * Two interleaving half circles, x: [n, 2], as scikit-learn's make_moons: class 0 (floor(n/2)
 * rows) at (cos t, sin t), class 1 at (1 - cos t, 1/2 - sin t), t evenly spaced over [0, pi],
 * plus noise N(0, I).
 */
export function generateMoons(p: ParamsFrom<typeof MOONS_PARAMS>, rng: Rng): RawData {
  const { samples: n, noise } = p;
  const x = new Float64Array(n * 2);
  const y = new Int32Array(n);
  const nOut = Math.floor(n / 2);
  for (let row = 0; row < n; row++) {
    const inner = row >= nOut;
    const m = inner ? n - nOut : nOut;
    const i = inner ? row - nOut : row;
    const t = m > 1 ? (Math.PI * i) / (m - 1) : 0;
    x[2 * row] = (inner ? 1 - Math.cos(t) : Math.cos(t)) + noise * rng.normal();
    x[2 * row + 1] = (inner ? 0.5 - Math.sin(t) : Math.sin(t)) + noise * rng.normal();
    y[row] = inner ? 1 : 0;
  }
  return { task: 'classification', x, y, n, d: 2, classes: 2 };
}

export const CHECKERBOARD_PARAMS = {
  samples: samplesParam(2000),
  testFraction: testFractionParam,
  standardize: standardizeParam,
  tiles: { type: 'integer', default: 2, min: 2, doc: 'tiles along each side of the board; 2 is XOR' },
  noise: { type: 'number', default: 0, min: 0, max: 1, doc: 'probability that a label is flipped' },
} as const satisfies DataParamSpecs;

/**
 * A tiles x tiles board over [-1, 1]^2, x: [n, 2]; tile (i, j) has label (i + j) mod 2, so
 * tiles = 2 is XOR of the signs. Row r gets class r mod 2, a tile drawn uniformly among that
 * class's tiles and a uniform point in it (balanced even when tiles is odd). Each label is then
 * flipped with probability `noise` (from the 'labels' fork; points come from 'points').
 */
export function generateCheckerboard(p: ParamsFrom<typeof CHECKERBOARD_PARAMS>, rng: Rng): RawData {
  const { samples: n, tiles, noise } = p;
  const byClass: [number, number][][] = [[], []];
  for (let i = 0; i < tiles; i++) for (let j = 0; j < tiles; j++) byClass[(i + j) % 2].push([i, j]);
  const prng = rng.fork('points');
  const lrng = rng.fork('labels');
  const side = 2 / tiles;
  const x = new Float64Array(n * 2);
  const y = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const c = row % 2;
    const [i, j] = byClass[c][prng.int(byClass[c].length)];
    x[2 * row] = -1 + (i + prng.next()) * side;
    x[2 * row + 1] = -1 + (j + prng.next()) * side;
    y[row] = lrng.next() < noise ? 1 - c : c;
  }
  return { task: 'classification', x, y, n, d: 2, classes: 2 };
}

export const TEACHER_PARAMS = {
  samples: samplesParam(2000),
  testFraction: testFractionParam,
  standardize: standardizeParam,
  inputDim: { type: 'integer', default: 10, min: 1, doc: 'input dimension d; inputs are N(0, I_d)' },
  outputDim: { type: 'integer', default: 1, min: 1, doc: 'target dimension k' },
  teacherDepth: { type: 'integer', default: 2, min: 0, doc: 'hidden layers of the teacher MLP (0: a linear teacher)' },
  teacherWidth: { type: 'integer', default: 32, min: 1, doc: 'units in each hidden layer of the teacher' },
  teacherActivation: {
    type: 'enum',
    default: 'tanh',
    choices: ACTIVATION_NAMES,
    resolve: resolveActivationName,
    doc: 'activation of the teacher hidden layers (an ACTIVATIONS name, default parameters)',
  },
  noise: { type: 'number', default: 0, min: 0, doc: 'std of the Gaussian noise added to each target' },
} as const satisfies DataParamSpecs;

/** A fixed random MLP: `apply(x, n)` maps x: [n, inputDim] to y: [n, outputDim]. */
export interface Teacher {
  /** W_l: [fanOut, fanIn] row-major, l = 0..depth (the last is the linear output layer). */
  readonly weights: readonly Float64Array[];
  apply(x: Float64Array, n: number): Float64Array;
}

/**
 * The teacher: W_l ~ N(0, 1/fan_in) (LeCun normal, the variance that keeps a linear layer's
 * output scale), zero biases, hidden a = f(W a_prev), output y = W_depth a (linear). Weights are
 * drawn layer by layer from `rng` ('teacher' fork). The forward pass is written here, not
 * borrowed from src/net/mlp.ts, so the data never depends on the model being studied.
 */
export function makeTeacher(p: ParamsFrom<typeof TEACHER_PARAMS>, rng: Rng): Teacher {
  const name = resolveActivationName(p.teacherActivation);
  if (!name) throw new DataError(dataMessages.notAChoice('teacherActivation', p.teacherActivation, ACTIVATION_NAMES), 'data.teacherActivation');
  const act = ACTIVATIONS[name];
  const ap = activationParams(name);
  const { inputDim, outputDim, teacherDepth: depth, teacherWidth: width } = p;
  const fanIns: number[] = [];
  const weights: Float64Array[] = [];
  for (let l = 0; l <= depth; l++) {
    const fanIn = l === 0 ? inputDim : width * act.widthFactor;
    const fanOut = l === depth ? outputDim : width;
    const W = new Float64Array(fanOut * fanIn);
    const std = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < W.length; i++) W[i] = std * rng.normal();
    fanIns.push(fanIn);
    weights.push(W);
  }
  // PReLU's slope is a learned parameter; the teacher keeps it at its initial value.
  const learned: Learned | null = act.learned
    ? { value: Float64Array.of(ap.init as number), grad: new Float64Array(1) }
    : null;
  return {
    weights,
    apply(x, n) {
      let a = x;
      for (let l = 0; l <= depth; l++) {
        const fanIn = fanIns[l];
        const W = weights[l];
        const fanOut = W.length / fanIn;
        // z = a W^T: [n, fanOut]
        const z = new Float64Array(n * fanOut);
        for (let r = 0; r < n; r++) {
          for (let o = 0; o < fanOut; o++) {
            let s = 0;
            for (let i = 0; i < fanIn; i++) s += a[r * fanIn + i] * W[o * fanIn + i];
            z[r * fanOut + o] = s;
          }
        }
        if (l === depth) return z;
        const next = new Float64Array(n * fanOut * act.widthFactor);
        act.forward(z, next, n, fanOut, ap, learned);
        a = next;
      }
      return a;
    },
  };
}

/**
 * Teacher-student regression: x ~ N(0, I_d) ('inputs' fork), y = teacher(x) + noise N(0, I_k)
 * ('noise' fork), x: [n, inputDim], y: [n, outputDim].
 */
export function generateTeacher(p: ParamsFrom<typeof TEACHER_PARAMS>, rng: Rng): RawData {
  const { samples: n, inputDim: d, outputDim: k, noise } = p;
  const teacher = makeTeacher(p, rng.fork('teacher'));
  const irng = rng.fork('inputs');
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = irng.normal();
  const y = teacher.apply(x, n);
  if (noise > 0) {
    const nrng = rng.fork('noise');
    for (let i = 0; i < y.length; i++) y[i] += noise * nrng.normal();
  }
  return { task: 'regression', x, y, n, d, k };
}
