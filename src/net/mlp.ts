/**
 * The multilayer perceptron: `depth` hidden dense layers of `width` units with one activation,
 * then a dense output layer with identity activation (the logits; the loss applies softmax).
 * Hidden layer l = 0..depth-1, with h_{-1} = x [rows, inputDim]:
 *
 *   z_l = h_{l-1} W_l^T + b_l    W_0: [width, inputDim], W_l: [width, width * widthFactor]
 *   n_l = Norm_l(z_l)            batch or layer norm (norm.ts); n_l = z_l without one
 *   a_l = f(n_l)                 [rows, width * widthFactor]
 *   h_0 = a_0;  h_l = h_{l-1} + alpha a_l (l >= 1) with residual connections, h_l = a_l without
 *   logits = h_{depth-1} W_depth^T + b_depth           W_depth: [outputDim, width * widthFactor]
 *
 * The first hidden layer changes the width and has no skip; the output layer has neither norm
 * nor skip. Backward through a skip: dL/dh_{l-1} = dL/dh_l + dx_l, with da_l = alpha dL/dh_l.
 *
 * Layer 0 is next to the input, layer `depth` is the output layer (DESIGN.md's indexing).
 * Forward is a loop over the layers, backward the same loop reversed. All buffers of all
 * layers come from one `kernels.allocBuffers` call, sized for `maxRows` rows.
 */
import { ACTIVATIONS, activationParams, type ActivationName, type ParamValues } from './activations.js';
import { Dense, checkRows, denseBufferSizes, denseParamBound, type DenseSpec, type NamedParam } from './dense.js';
import { INITIALIZERS, initializerParams, resolveInitializerName } from './initializers.js';
import type { ForwardMode, NormSpec } from './norm.js';
import type { Rng } from './rng.js';
import type { DType, FloatArray, Kernels } from './tensor.js';

export interface MLPOptions {
  readonly inputDim: number;
  readonly outputDim: number;
  /** Hidden layers (0 gives a linear model of the input). */
  readonly depth: number;
  /** Units per hidden layer (CReLU layers emit 2 * width activations). */
  readonly width: number;
  readonly activation: ActivationName;
  /** Parameters of the activation; missing ones take the registry's defaults. */
  readonly activationParams?: ParamValues;
  readonly dtype: DType;
  readonly kernels: Kernels;
  /** Largest batch a forward pass may take; buffers are sized for it. */
  readonly maxRows: number;
  /** Also compute dL/dx for the model input in backward (default false: nothing needs it). */
  readonly inputGrad?: boolean;
  /** Batch or layer norm in every hidden layer (default none). */
  readonly norm?: NormSpec | null;
  /** Residual connections h_l = h_{l-1} + scale a_l for hidden layers l >= 1 (default none). */
  readonly residual?: { readonly scale: number } | null;
  /**
   * State buffers a parameter the optimizer keeps (its `slots`: adam 2, momentum 1): room for
   * them is kept in the model's memory (optimizerPool), where the kernel can run the update.
   */
  readonly optimizerSlots?: number;
}

/** A tensor that is state but no parameter (PyTorch's buffers): batch norm's running statistics. */
export interface NamedBuffer {
  /** "norms.{i}.running_mean" or "norms.{i}.running_var". */
  readonly name: string;
  readonly value: FloatArray;
  readonly shape: readonly number[];
  readonly layer: number;
  readonly kind: 'runningMean' | 'runningVar';
}

/**
 * The layers an MLP of these options has, as `DenseSpec`s (fan-in, fan-out, activation, rows),
 * without allocating anything: the constructor builds from them, and the run command uses them
 * to estimate memory and to check a weights file before any model exists.
 */
export function mlpLayerSpecs(o: Omit<MLPOptions, 'dtype' | 'kernels'>): DenseSpec[] {
  const def = ACTIVATIONS[o.activation];
  const specs: DenseSpec[] = [];
  for (let i = 0; i <= o.depth; i++) {
    const hidden = i < o.depth;
    specs.push({
      index: i,
      fanIn: i === 0 ? o.inputDim : o.width * def.widthFactor,
      fanOut: hidden ? o.width : o.outputDim,
      activation: hidden ? o.activation : 'identity',
      activationParams: hidden ? o.activationParams ?? {} : {},
      maxRows: o.maxRows,
      ownInput: i === 0,
      inputGrad: i > 0 || o.inputGrad === true,
      norm: hidden ? o.norm ?? null : null,
    });
  }
  return specs;
}

export class MLP {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly depth: number;
  readonly width: number;
  readonly activation: ActivationName;
  readonly activationParams: ParamValues;
  readonly dtype: DType;
  readonly kernels: Kernels;
  readonly maxRows: number;
  /** The hidden layers' normalization, or null. */
  readonly norm: NormSpec | null;
  /** alpha of the residual connections, or null without them. */
  readonly residualScale: number | null;
  /** layers[0..depth-1] hidden, layers[depth] the output layer. */
  readonly layers: readonly Dense[];
  /**
   * h_l of the last forward pass for l = 0..depth-1, [rows, width * widthFactor]: the input of
   * layer l + 1. The layer's own `a` without residual connections (and for l = 0).
   */
  readonly hidden: readonly FloatArray[];
  /** Number of trainable scalars (weights, biases, norm scales and shifts, PReLU slopes). */
  readonly paramCount: number;
  /** alpha dL/dh_l, the da of a residual layer when alpha != 1 (empty otherwise). */
  private readonly scaled: FloatArray;
  /** Room for optimizerSlots state buffers of every parameter, in the kernels' memory; null without. */
  readonly optimizerPool: FloatArray | null;

  constructor(o: MLPOptions) {
    for (const [k, v] of [['inputDim', o.inputDim], ['outputDim', o.outputDim], ['width', o.width], ['maxRows', o.maxRows]] as const) {
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`MLP: ${k} must be an integer >= 1, got ${v}`);
    }
    if (!(Number.isInteger(o.depth) && o.depth >= 0)) throw new RangeError(`MLP: depth must be an integer >= 0, got ${o.depth}`);
    const def = ACTIVATIONS[o.activation];
    if (def === undefined) throw new Error(`MLP: unknown activation "${o.activation}"`);
    this.inputDim = o.inputDim;
    this.outputDim = o.outputDim;
    this.depth = o.depth;
    this.width = o.width;
    this.activation = o.activation;
    this.activationParams = activationParams(o.activation, o.activationParams ?? {});
    this.dtype = o.dtype;
    this.kernels = o.kernels;
    this.maxRows = o.maxRows;
    this.norm = o.norm ?? null;
    const alpha = o.residual?.scale ?? null;
    if (alpha !== null && !Number.isFinite(alpha)) throw new RangeError(`MLP: residual scale must be finite, got ${alpha}`);
    this.residualScale = alpha;

    const specs = mlpLayerSpecs({ ...o, activationParams: this.activationParams });
    const sizes = specs.map(denseBufferSizes);
    // Residual layers 1..depth-1 each hold h_l, plus one alpha * dL/dh buffer when alpha != 1.
    const hCols = o.width * def.widthFactor;
    const skips = alpha === null ? 0 : Math.max(0, o.depth - 1);
    const extra = skips === 0 ? [] : [...Array<number>(skips).fill(o.maxRows * hCols), alpha !== 1 ? o.maxRows * hCols : 0];
    const layerBuffers = sizes.flat().length;
    const slots = o.optimizerSlots ?? 0;
    if (!(Number.isInteger(slots) && slots >= 0)) throw new RangeError(`MLP: optimizerSlots must be an integer >= 0, got ${slots}`);
    const poolFloats = slots * specs.reduce((s, spec) => s + denseParamBound(spec), 0);
    const all = o.kernels.allocBuffers(o.dtype, [...sizes.flat(), ...extra, ...(poolFloats > 0 ? [poolFloats] : [])]);
    this.optimizerPool = poolFloats > 0 ? all[layerBuffers + extra.length] : null;
    const layers: Dense[] = [];
    const hidden: FloatArray[] = [];
    let at = 0;
    for (let i = 0; i < specs.length; i++) {
      const bufs = all.slice(at, at + sizes[i].length);
      at += sizes[i].length;
      layers.push(new Dense(specs[i], o.kernels, bufs, i === 0 ? null : hidden[i - 1]));
      if (i < o.depth) hidden.push(i >= 1 && skips > 0 ? all[layerBuffers + i - 1] : layers[i].a);
    }
    this.layers = layers;
    this.hidden = hidden;
    this.scaled = skips === 0 ? all[0].subarray(0, 0) : all[layerBuffers + extra.length - 1];
    this.paramCount = this.params().reduce((s, p) => s + p.value.length, 0);
  }

  /** The input buffer of layer 0, [maxRows, inputDim]: fill it and pass it to `forward` to skip a copy. */
  get input(): FloatArray {
    return this.layers[0].x;
  }

  /** Rows of the last forward pass. */
  get lastRows(): number {
    return this.layers[0].lastRows;
  }

  /** True when hidden layer l adds its input back (residual connections, l >= 1). */
  hasSkip(l: number): boolean {
    return this.residualScale !== null && l >= 1 && l < this.depth;
  }

  /**
   * Runs `rows` rows of x ([rows, inputDim], any float array; copied into `input` unless it
   * is `input`) through every layer. Changes every layer's x, z, n, a caches, `hidden` and
   * lastRows; `mode` picks the statistics batch norm uses (training updates its running ones).
   * Returns the output layer's `a`, the logits [rows, outputDim] in the prefix of a
   * [maxRows, outputDim] buffer the next forward pass overwrites.
   */
  forward(x: FloatArray, rows: number, mode: ForwardMode = 'train'): FloatArray {
    checkRows(rows, this.maxRows, 'MLP.forward');
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const a = this.layers[i].forward(h, rows, mode);
      if (this.hasSkip(i)) {
        // h_i = h_{i-1} + alpha a_i
        const out = this.hidden[i];
        const alpha = this.residualScale!;
        const n = rows * this.layers[i].fanOut * this.layers[i].widthFactor;
        if (this.kernels.axpy?.(out, h, a, alpha, n) !== true) for (let k = 0; k < n; k++) out[k] = h[k] + alpha * a[k];
        h = out;
      } else h = a;
    }
    return h;
  }

  /**
   * Back-propagates dOut = dL/dlogits ([rows, outputDim], rows of the last forward pass)
   * through every layer. Changes every layer's dn, dz, dW, db, dx, the norms' and PReLU's
   * grads; the grads are this batch's only (nothing accumulates across calls). Through a
   * residual layer l: da_l = alpha dL/dh_l and dL/dh_{l-1} = dL/dh_l + dx_l (summed into dx_l).
   */
  backward(dOut: FloatArray, rows: number): void {
    if (rows !== this.lastRows) throw new Error(`MLP.backward: ${rows} rows, but the last forward pass had ${this.lastRows}`);
    let d: FloatArray | null = dOut;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      if (d === null) throw new Error(`MLP.backward: layer ${i + 1} computed no dx`);
      const layer = this.layers[i];
      if (!this.hasSkip(i)) {
        d = layer.backward(d, rows);
        continue;
      }
      const alpha = this.residualScale!;
      const n = rows * layer.fanOut * layer.widthFactor;
      let da: FloatArray = d;
      if (alpha !== 1) {
        da = this.scaled;
        if (this.kernels.scale?.(da, d, alpha, n) !== true) for (let k = 0; k < n; k++) da[k] = alpha * d[k];
      }
      const dx: FloatArray = layer.backward(da, rows)!;
      // dx + 1 d is dx + d: the same bits as the loop.
      if (this.kernels.axpy?.(dx, dx, d, 1, n) !== true) for (let k = 0; k < n; k++) dx[k] += d[k];
      d = dx;
    }
  }

  /** Every trainable tensor, layer by layer: layers.{i}.weight, layers.{i}.bias, norms.{i}.weight, norms.{i}.bias, prelu.{i}.weight. */
  params(): NamedParam[] {
    return this.layers.flatMap((l) => l.params());
  }

  /** Batch norm's running statistics, layer by layer (PyTorch's buffers): norms.{i}.running_mean, norms.{i}.running_var. */
  buffers(): NamedBuffer[] {
    const out: NamedBuffer[] = [];
    for (const l of this.layers) {
      if (l.norm === null || l.norm.spec.name !== 'batch') continue;
      const shape = [l.fanOut];
      out.push(
        { name: `norms.${l.index}.running_mean`, value: l.norm.runningMean, shape, layer: l.index, kind: 'runningMean' },
        { name: `norms.${l.index}.running_var`, value: l.norm.runningVar, shape, layer: l.index, kind: 'runningVar' },
      );
    }
    return out;
  }
}

/** An initializer by name with its parameters, as a resolved config gives it: {"name": "normal", "std": 0.01}. */
export type InitializerRef = { readonly name: string } & Readonly<Record<string, unknown>>;

/**
 * Fills every layer's W with `init` and b with `biasInit`, resets PReLU slopes to their
 * `init` parameter and norms to gamma = 1, beta = 0 (running mean 0, variance 1). Layer i draws from rng.fork('layer' + i) (its bias from that stream's
 * fork 'bias'), so a layer's weights do not depend on the sizes of the other layers, nor on
 * the bias initializer. Pass the run's 'init' stream. A bias is filled as a [fanOut] vector
 * with the layer's fans (so `standard` gives PyTorch's U[-1/sqrt(fan_in), 1/sqrt(fan_in)]).
 */
export function initializeMLP(mlp: MLP, spec: { readonly init: InitializerRef; readonly biasInit: InitializerRef }, rng: Rng): void {
  const wName = resolveInitializerName(spec.init.name);
  const bName = resolveInitializerName(spec.biasInit.name);
  if (wName === undefined) throw new Error(`initializeMLP: unknown initializer "${spec.init.name}"`);
  if (bName === undefined) throw new Error(`initializeMLP: unknown bias initializer "${spec.biasInit.name}"`);
  const wInit = INITIALIZERS[wName];
  const bInit = INITIALIZERS[bName];
  const wParams = initializerParams(wName, spec.init);
  const bParams = initializerParams(bName, spec.biasInit);
  for (const layer of mlp.layers) {
    const layerRng = rng.fork('layer' + layer.index);
    wInit.fill(layer.W, layer.fanIn, layer.fanOut, wParams, layerRng);
    bInit.fill(layer.b, layer.fanIn, layer.fanOut, bParams, layerRng.fork('bias'));
    layer.resetSlopes();
    layer.norm?.reset();
  }
}
