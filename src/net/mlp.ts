/**
 * The multilayer perceptron: `depth` hidden dense layers of `width` units with one activation,
 * then a dense output layer with identity activation (the logits; the loss applies softmax).
 *
 *   h_0 = x                      [rows, inputDim]
 *   h_{i+1} = f(h_i W_i^T + b_i) i = 0..depth-1, W_0: [width, inputDim], W_i: [width, width * widthFactor]
 *   logits = h_depth W_depth^T + b_depth               W_depth: [outputDim, width * widthFactor]
 *
 * Layer 0 is next to the input, layer `depth` is the output layer (DESIGN.md's indexing).
 * Forward is a loop over the layers, backward the same loop reversed. All buffers of all
 * layers come from one `kernels.allocBuffers` call, sized for `maxRows` rows.
 */
import { ACTIVATIONS, activationParams, type ActivationName, type ParamValues } from './activations.js';
import { Dense, checkRows, denseBufferSizes, type DenseSpec, type NamedParam } from './dense.js';
import { INITIALIZERS, initializerParams, resolveInitializerName } from './initializers.js';
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
  /** layers[0..depth-1] hidden, layers[depth] the output layer. */
  readonly layers: readonly Dense[];
  /** Number of trainable scalars (weights, biases, PReLU slopes). */
  readonly paramCount: number;

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

    const specs = mlpLayerSpecs({ ...o, activationParams: this.activationParams });
    const sizes = specs.map(denseBufferSizes);
    const all = o.kernels.allocBuffers(o.dtype, sizes.flat());
    const layers: Dense[] = [];
    let at = 0;
    for (let i = 0; i < specs.length; i++) {
      const bufs = all.slice(at, at + sizes[i].length);
      at += sizes[i].length;
      layers.push(new Dense(specs[i], o.kernels, bufs, i === 0 ? null : layers[i - 1].a));
    }
    this.layers = layers;
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

  /**
   * Runs `rows` rows of x ([rows, inputDim], any float array; copied into `input` unless it
   * is `input`) through every layer. Changes every layer's x, z, a caches and lastRows.
   * Returns the output layer's `a`, the logits [rows, outputDim] in the prefix of a
   * [maxRows, outputDim] buffer the next forward pass overwrites.
   */
  forward(x: FloatArray, rows: number): FloatArray {
    checkRows(rows, this.maxRows, 'MLP.forward');
    let h = x;
    for (const layer of this.layers) h = layer.forward(h, rows);
    return h;
  }

  /**
   * Back-propagates dOut = dL/dlogits ([rows, outputDim], rows of the last forward pass)
   * through every layer. Changes every layer's dW, db, dz, dx and the PReLU slope grads; the
   * grads are this batch's only (nothing accumulates across calls).
   */
  backward(dOut: FloatArray, rows: number): void {
    if (rows !== this.lastRows) throw new Error(`MLP.backward: ${rows} rows, but the last forward pass had ${this.lastRows}`);
    let d: FloatArray | null = dOut;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      if (d === null) throw new Error(`MLP.backward: layer ${i + 1} computed no dx`);
      d = this.layers[i].backward(d, rows);
    }
  }

  /** Every trainable tensor, layer by layer: layers.{i}.weight, layers.{i}.bias, prelu.{i}.weight. */
  params(): NamedParam[] {
    return this.layers.flatMap((l) => l.params());
  }
}

/** An initializer by name with its parameters, as a resolved config gives it: {"name": "normal", "std": 0.01}. */
export type InitializerRef = { readonly name: string } & Readonly<Record<string, unknown>>;

/**
 * Fills every layer's W with `init` and b with `biasInit`, and resets PReLU slopes to their
 * `init` parameter. Layer i draws from rng.fork('layer' + i) (its bias from that stream's
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
  }
}
