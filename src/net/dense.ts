/**
 * The dense layer, the one layer contract of gradflow (convnetjs's: forward caches, backward
 * fills grads, `params()` lists them by name).
 *
 *   forward:  z = x W^T + b          x: [rows, fanIn], W: [fanOut, fanIn], b: [fanOut], z: [rows, fanOut]
 *             n = Norm(z)            n: [rows, fanOut]; n is z itself without a norm (see norm.ts)
 *             a = f(n)               a: [rows, fanOut * widthFactor] (CReLU emits 2 fanOut)
 *   backward: dn = da ⊙ f'(n)        da = dL/da, dn = dL/dn: [rows, fanOut]
 *             dz = Norm'(dn)         dz = dL/dz: [rows, fanOut] (dz is dn without a norm)
 *             dW = dz^T x            [fanOut, fanIn]
 *             db = sum over rows of dz
 *             dx = dz W              [rows, fanIn] (dL/dx, the previous layer's da)
 *
 * Every buffer is allocated once, for `maxRows` rows, by the model's single
 * `kernels.allocBuffers` call (see `denseBufferSizes`); a pass over fewer rows uses the prefix
 * of each buffer and leaves the rest alone. The caches `x, z, a, dz` hold the last pass and are
 * what the metrics read.
 */
import { ACTIVATIONS, type ActivationDef, type ActivationName, type Learned, type ParamValues } from './activations.js';
import { NormLayer, normBufferSizes, type ForwardMode, type NormSpec } from './norm.js';
import type { FloatArray, Kernels } from './tensor.js';

/** One trainable tensor, with its PyTorch name and shape. */
export interface NamedParam {
  /** "layers.{i}.weight", "layers.{i}.bias", "prelu.{i}.weight", "norms.{i}.weight" or "norms.{i}.bias". */
  readonly name: string;
  readonly value: FloatArray;
  /** dL/dvalue of the last backward pass; same length as value. */
  readonly grad: FloatArray;
  /** [fanOut, fanIn], [fanOut], or [1] / [units] for PReLU slopes. */
  readonly shape: readonly number[];
  /** The layer index (0 = first hidden layer, depth = output layer). */
  readonly layer: number;
  /** normWeight, normBias: the norm's gamma and beta. */
  readonly kind: 'weight' | 'bias' | 'prelu' | 'normWeight' | 'normBias';
}

export interface DenseSpec {
  /** Position in the model: 0 is next to the input. */
  readonly index: number;
  readonly fanIn: number;
  /** Units of the layer (z's width); its output a has fanOut * widthFactor columns. */
  readonly fanOut: number;
  readonly activation: ActivationName;
  /** The activation's parameters, defaults filled in (see `activationParams`). */
  readonly activationParams: ParamValues;
  readonly maxRows: number;
  /** Own an input buffer (the first layer); otherwise `x` is the previous layer's `a`. */
  readonly ownInput: boolean;
  /** Compute dx in backward (every layer but the first, unless the input gradient is wanted). */
  readonly inputGrad: boolean;
  /** A normalization between z and the activation (none when absent or null). */
  readonly norm?: NormSpec | null;
}

/**
 * Element counts of a layer's buffers, in the order the constructor takes them:
 * W, b, dW, db, z, a, dz, [x], [dx], [slopes, slope grads], [n, dn, the norm's buffers].
 */
export function denseBufferSizes(s: DenseSpec): number[] {
  const def = ACTIVATIONS[s.activation];
  const sizes = [
    s.fanOut * s.fanIn, s.fanOut, s.fanOut * s.fanIn, s.fanOut,
    s.maxRows * s.fanOut, s.maxRows * s.fanOut * def.widthFactor, s.maxRows * s.fanOut,
  ];
  if (s.ownInput) sizes.push(s.maxRows * s.fanIn);
  if (s.inputGrad) sizes.push(s.maxRows * s.fanIn);
  if (def.learned) sizes.push(s.fanOut, s.fanOut);
  if (s.norm) sizes.push(s.maxRows * s.fanOut, s.maxRows * s.fanOut, ...normBufferSizes(s.norm, s.fanOut, s.maxRows));
  return sizes;
}

/**
 * At least the floats of a layer's parameters (params(): W, b, then the norm's gamma and beta
 * and PReLU's slopes when it has them), for room kept per parameter (MLP.optimizerPool).
 */
export function denseParamBound(s: DenseSpec): number {
  const def = ACTIVATIONS[s.activation];
  return s.fanOut * s.fanIn + s.fanOut + (s.norm ? 2 * s.fanOut : 0) + (def.learned ? s.fanOut : 0);
}

export class Dense {
  readonly index: number;
  readonly fanIn: number;
  readonly fanOut: number;
  readonly activation: ActivationName;
  readonly activationParams: ParamValues;
  readonly widthFactor: 1 | 2;
  readonly maxRows: number;
  /** Weights [fanOut, fanIn] and bias [fanOut]; zero until an initializer or import fills them. */
  readonly W: FloatArray;
  readonly b: FloatArray;
  /** dL/dW and dL/db of the last backward pass. */
  readonly dW: FloatArray;
  readonly db: FloatArray;
  /** Input of the last forward pass, [rows, fanIn]: the model input or the previous layer's a. */
  readonly x: FloatArray;
  /** Pre-activation of the last forward pass, [rows, fanOut]. */
  readonly z: FloatArray;
  /** Output of the last forward pass, [rows, fanOut * widthFactor]. */
  readonly a: FloatArray;
  /** dL/dz of the last backward pass, [rows, fanOut]. */
  readonly dz: FloatArray;
  /** dL/dx of the last backward pass, [rows, fanIn]; null when the layer skips it (the first). */
  readonly dx: FloatArray | null;
  /** The normalization between z and the activation, or null. */
  readonly norm: NormLayer | null;
  /** The activation's input of the last forward pass, [rows, fanOut]: Norm(z), or z itself without a norm. */
  readonly n: FloatArray;
  /** dL/dn of the last backward pass, [rows, fanOut]; dz itself without a norm. */
  readonly dn: FloatArray;
  /** Rows of the last forward pass (0 before any). */
  lastRows = 0;

  private readonly def: ActivationDef;
  private readonly kernels: Kernels;
  private readonly slopeStore: FloatArray | null;
  private readonly slopeGradStore: FloatArray | null;
  private slopes: Learned | null;

  /**
   * `buffers` are this layer's slice of the model's `allocBuffers` result, in the order of
   * `denseBufferSizes(spec)`; `input` is the previous layer's `a` when `spec.ownInput` is false.
   * PReLU slopes start at `activationParams.init`, one per layer or one per unit (`perUnit`).
   */
  constructor(spec: DenseSpec, kernels: Kernels, buffers: readonly FloatArray[], input: FloatArray | null) {
    this.index = spec.index;
    this.fanIn = spec.fanIn;
    this.fanOut = spec.fanOut;
    this.activation = spec.activation;
    this.activationParams = spec.activationParams;
    this.def = ACTIVATIONS[spec.activation];
    this.widthFactor = this.def.widthFactor;
    this.maxRows = spec.maxRows;
    this.kernels = kernels;
    const sizes = denseBufferSizes(spec);
    if (buffers.length !== sizes.length || buffers.some((buf, i) => buf.length !== sizes[i])) {
      throw new Error(`layer ${spec.index}: expected buffers of sizes [${sizes}], got [${buffers.map((b) => b.length)}]`);
    }
    let i = 0;
    this.W = buffers[i++];
    this.b = buffers[i++];
    this.dW = buffers[i++];
    this.db = buffers[i++];
    this.z = buffers[i++];
    this.a = buffers[i++];
    this.dz = buffers[i++];
    if (spec.ownInput) {
      this.x = buffers[i++];
    } else {
      if (input === null || input.length !== spec.maxRows * spec.fanIn) {
        throw new Error(`layer ${spec.index}: needs the previous layer's output of ${spec.maxRows * spec.fanIn} entries`);
      }
      this.x = input;
    }
    this.dx = spec.inputGrad ? buffers[i++] : null;
    if (this.def.learned) {
      this.slopeStore = buffers[i++];
      this.slopeGradStore = buffers[i++];
      this.slopes = null;
      this.setSlopeCount(spec.activationParams.perUnit === true ? spec.fanOut : 1);
      this.resetSlopes();
    } else {
      this.slopeStore = null;
      this.slopeGradStore = null;
      this.slopes = null;
    }
    if (spec.norm) {
      this.n = buffers[i++];
      this.dn = buffers[i++];
      this.norm = new NormLayer(spec.norm, spec.fanOut, spec.maxRows, buffers.slice(i), kernels);
    } else {
      this.n = this.z;
      this.dn = this.dz;
      this.norm = null;
    }
  }

  /** PReLU's slopes and their gradient ([1] or [fanOut]); null for other activations. */
  get learned(): Learned | null {
    return this.slopes;
  }

  /**
   * Switches PReLU between one slope for the layer (count 1) and one per unit (count fanOut),
   * e.g. to match an imported file. A new layout starts with the first slope's value everywhere.
   * Views change: call `params()` again afterwards.
   */
  setSlopeCount(count: number): void {
    if (this.slopeStore === null || this.slopeGradStore === null) {
      throw new Error(`layer ${this.index}: ${this.activation} has no learned slopes`);
    }
    if (count !== 1 && count !== this.fanOut) {
      throw new Error(`layer ${this.index}: PReLU slope count must be 1 or ${this.fanOut}, got ${count}`);
    }
    if (this.slopes !== null && this.slopes.value.length === count) return;
    const s0 = this.slopes === null ? 0 : this.slopes.value[0];
    this.slopes = { value: this.slopeStore.subarray(0, count), grad: this.slopeGradStore.subarray(0, count) };
    this.slopes.value.fill(s0);
  }

  /** Sets every PReLU slope to `activationParams.init` (0.25 by default); no-op otherwise. */
  resetSlopes(): void {
    if (this.slopes !== null) this.slopes.value.fill(this.activationParams.init as number);
  }

  /**
   * z = x W^T + b, n = Norm(z), a = f(n) for `rows` rows. Copies `x` into the layer's input
   * buffer unless it is that buffer (as for every layer after the first). Changes x (own
   * input), z, n, a, lastRows and the norm's caches (in `train` mode also batch norm's running
   * statistics; see ForwardMode). Returns a.
   */
  forward(x: FloatArray, rows: number, mode: ForwardMode = 'train'): FloatArray {
    checkRows(rows, this.maxRows, `layer ${this.index}`);
    const n = rows * this.fanIn;
    if (x !== this.x) {
      if (x.length < n) throw new RangeError(`layer ${this.index}: input has ${x.length} entries, ${rows} rows need ${n}`);
      if (x.length === n) this.x.set(x);
      else for (let i = 0; i < n; i++) this.x[i] = x[i];
    }
    this.kernels.gemmABt(this.x, this.W, this.b, this.z, rows, this.fanOut, this.fanIn);
    this.norm?.forward(this.z, this.n, rows, mode);
    if (this.kernels.activationForward?.(this.activation, this.activationParams, this.n, this.a, rows * this.fanOut) !== true) {
      this.def.forward(this.n, this.a, rows, this.fanOut, this.activationParams, this.slopes);
    }
    this.lastRows = rows;
    return this.a;
  }

  /**
   * From da = dL/da ([rows, fanOut * widthFactor]) of the last forward pass: dn = da ⊙ f'(n),
   * the norm's dgamma, dbeta and dz = Norm'(dn) (dz = dn without a norm), dW = dz^T x,
   * db = column sums of dz, PReLU slope grads (zeroed first, so of this pass only), and
   * dx = dz W when the layer computes it. Changes dn, dz, dW, db, dx, slope and norm grads.
   * Returns dx (null for a layer that skips it).
   */
  backward(da: FloatArray, rows: number): FloatArray | null {
    if (rows !== this.lastRows) {
      throw new Error(`layer ${this.index}: backward over ${rows} rows after a forward pass over ${this.lastRows}`);
    }
    const need = rows * this.fanOut * this.widthFactor;
    if (da.length < need) throw new RangeError(`layer ${this.index}: dL/da has ${da.length} entries, ${rows} rows need ${need}`);
    if (this.slopes !== null) this.slopes.grad.fill(0);
    if (this.kernels.activationBackward?.(this.activation, this.activationParams, this.n, this.a, da, this.dn, rows * this.fanOut) !== true) {
      this.def.backward(this.n, this.a, da, this.dn, rows, this.fanOut, this.activationParams, this.slopes);
    }
    this.norm?.backward(this.dn, this.dz, rows);
    this.kernels.gemmAtB(this.dz, this.x, this.dW, this.fanOut, this.fanIn, rows, this.db);
    if (this.dx !== null) this.kernels.gemmAB(this.dz, this.W, this.dx, rows, this.fanIn, this.fanOut);
    return this.dx;
  }

  /** The layer's trainable tensors: weight, bias, the norm's gamma and beta (if affine), then PReLU's slopes (if any). */
  params(): NamedParam[] {
    const i = this.index;
    const out: NamedParam[] = [
      { name: `layers.${i}.weight`, value: this.W, grad: this.dW, shape: [this.fanOut, this.fanIn], layer: i, kind: 'weight' },
      { name: `layers.${i}.bias`, value: this.b, grad: this.db, shape: [this.fanOut], layer: i, kind: 'bias' },
    ];
    const nl = this.norm;
    if (nl !== null && nl.spec.affine) {
      out.push(
        { name: `norms.${i}.weight`, value: nl.weight, grad: nl.weightGrad, shape: [this.fanOut], layer: i, kind: 'normWeight' },
        { name: `norms.${i}.bias`, value: nl.bias, grad: nl.biasGrad, shape: [this.fanOut], layer: i, kind: 'normBias' },
      );
    }
    if (this.slopes !== null) {
      const s = this.slopes;
      out.push({ name: `prelu.${i}.weight`, value: s.value, grad: s.grad, shape: [s.value.length], layer: i, kind: 'prelu' });
    }
    return out;
  }
}

export function checkRows(rows: number, maxRows: number, where: string): void {
  if (!(Number.isInteger(rows) && rows >= 0 && rows <= maxRows)) {
    throw new RangeError(`${where}: rows must be an integer in [0, ${maxRows}] (maxRows), got ${rows}`);
  }
}
