/**
 * safetensors files (Hugging Face's format, https://huggingface.co/docs/safetensors), and the
 * MLP's weights in them with PyTorch nn.Linear names.
 *
 * Layout: 8 bytes N (unsigned little-endian 64-bit), then N bytes of UTF-8 JSON
 *   {"__metadata__": {str: str}?, "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}, ...}
 * then the data buffer; tensor bytes are data[b, e), row-major, little-endian, and
 * e - b = prod(shape) * sizeof(dtype). Offsets are relative to the start of the data buffer.
 * Tensors may not overlap (the reference implementation also forbids holes; gaps are accepted
 * here). The writer pads the header with spaces so the data starts 8-byte aligned, as the
 * reference writer does.
 *
 * Every failure throws `WeightsError` naming the file and, where there is one, the tensor.
 * Writing a file is src/results/weights.ts's job (the one atomic writer).
 */
import { FileReadError, readProblemText, readRegularFile } from './files.js';
import type { MLP } from './mlp.js';
import { shorten, show, showList } from '../messages.js';

/** A bad, unreadable or mismatched weights or tensors file; the CLI maps it to exit code 2. */
export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightsError';
  }
}

/** Element size in bytes of each safetensors dtype gradflow understands. */
export const ST_DTYPES = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
} as const;
export type StDType = keyof typeof ST_DTYPES;

/** Typed-array storage per dtype; F16 and BF16 stay raw 16-bit words (see `toFloat64Array`). */
export type TensorData = Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array
  | BigUint64Array | Uint32Array | Uint16Array | Uint8Array;

export interface Tensor {
  readonly dtype: StDType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface SafetensorsContents {
  /** Tensors in the order of the header. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(file: string, what: string): never {
  throw new WeightsError(`${shorten(file)}: ${what}`);
}

const shapeText = (shape: readonly number[]): string => `[${shorten(shape.join(', '))}]`;
const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function view(dtype: StDType, buf: ArrayBuffer): TensorData {
  switch (dtype) {
    case 'F64': return new Float64Array(buf);
    case 'F32': return new Float32Array(buf);
    case 'I64': return new BigInt64Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'I16': return new Int16Array(buf);
    case 'I8': return new Int8Array(buf);
    case 'U64': return new BigUint64Array(buf);
    case 'U32': return new Uint32Array(buf);
    case 'F16': case 'BF16': case 'U16': return new Uint16Array(buf);
    case 'U8': case 'BOOL': return new Uint8Array(buf);
  }
}

/**
 * Parses the bytes of a safetensors file; `file` names it in error messages. Each tensor's
 * data is copied into its own (aligned) buffer.
 */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsContents {
  if (!LITTLE_ENDIAN) fail(file, 'safetensors data is little-endian and this host is big-endian; not supported');
  if (bytes.length < 8) fail(file, `truncated: ${bytes.length} bytes, less than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    fail(file, `the header length in the first 8 bytes runs past the end of the file (${bytes.length} bytes; truncated or not safetensors)`);
  }
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    // The parser's message quotes the bytes it choked on: for a file that is not safetensors at
    // all (a password file, a key), those are its contents, so they are not repeated.
    fail(file, 'header is not valid UTF-8 JSON (truncated or not safetensors)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail(file, 'header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(file, '__metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(file, `__metadata__.${shorten(k, 60)} is ${show(v)}, not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const where = `tensor ${show(name)}`;
    if (typeof entry !== 'object' || entry === null) fail(file, `${where}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !Object.hasOwn(ST_DTYPES, dtype)) {
      fail(file, `${where}: unknown dtype ${show(dtype)} (known: ${Object.keys(ST_DTYPES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(file, `${where}: shape ${show(shape)} is not a list of integers >= 0`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(file, `${where}: data_offsets ${show(offsets)} is not a pair of integers >= 0`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) {
      fail(file, `${where}: data_offsets [${begin}, ${end}] lie outside the data buffer of ${dataLen} bytes (truncated file or lying header)`);
    }
    const size = ST_DTYPES[dtype as StDType];
    const expected = product(shape as number[]) * size;
    if (end - begin !== expected) {
      fail(file, `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} ${shapeText(shape as number[])} needs ${expected}`);
    }
    spans.push({ name, begin, end });
    // A fresh, aligned copy (Buffer#slice would share memory with the file's bytes).
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { dtype: dtype as StDType, shape: shape as number[], data: view(dtype as StDType, copy.buffer) });
  }
  // Sorted by start, a non-empty span overlaps an earlier one iff it starts before the
  // furthest end seen so far.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let furthest: { name: string; begin: number; end: number } | null = null;
  for (const s of spans) {
    if (s.end === s.begin) continue;
    if (furthest !== null && s.begin < furthest.end) {
      fail(file, `tensors ${show(furthest.name)} [${furthest.begin}, ${furthest.end}] and ${show(s.name)} [${s.begin}, ${s.end}] overlap in the data buffer`);
    }
    if (furthest === null || s.end > furthest.end) furthest = s;
  }
  return { tensors, metadata };
}

/** Reads and parses a safetensors file. */
export function readSafetensors(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(path);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    fail(path, readProblemText(e.problem, 'a safetensors file'));
  }
  return parseSafetensors(bytes, path);
}

/** The dtype a typed array is stored as (Uint16Array: U16; pass F16/BF16 words through `Tensor`). */
function dtypeOf(data: TensorData): StDType {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof BigUint64Array) return 'U64';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof Uint16Array) return 'U16';
  return 'U8';
}

function isMap<V>(t: ReadonlyMap<string, V> | Readonly<Record<string, V>>): t is ReadonlyMap<string, V> {
  return t instanceof Map;
}

/** A tensor input: `dtype` defaults to the one the typed array implies. */
export interface TensorInput {
  readonly dtype?: StDType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/**
 * The bytes of a safetensors file holding `tensors` in insertion order (each tensor's first
 * `prod(shape)` elements) and `metadata`.
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  if (!LITTLE_ENDIAN) throw new WeightsError('safetensors data is little-endian and this host is big-endian; not supported');
  const entries: [string, TensorInput][] = isMap(tensors) ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new WeightsError('a tensor may not be named "__metadata__"');
    const dtype = t.dtype ?? dtypeOf(t.data);
    const count = product(t.shape);
    const bytes = count * ST_DTYPES[dtype];
    if (t.data.byteLength < bytes) {
      throw new WeightsError(`tensor "${name}": ${dtype} ${shapeText(t.shape)} needs ${bytes} bytes, data has ${t.data.byteLength}`);
    }
    chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, bytes));
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces (valid JSON whitespace) so the data buffer starts on an 8-byte boundary.
  const jsonBytes = new TextEncoder().encode(json);
  const pad = (8 - (jsonBytes.length % 8)) % 8;
  json += ' '.repeat(pad);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const BF16_BITS = new Uint32Array(1);
const BF16_FLOAT = new Float32Array(BF16_BITS.buffer);

/** IEEE half (F16) or bfloat16 (BF16) word to a double. */
function halfToNumber(h: number, bf16: boolean): number {
  if (bf16) {
    BF16_BITS[0] = h << 16;
    return BF16_FLOAT[0];
  }
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Any numeric tensor as float64 (64-bit integers beyond 2^53 lose precision; F16/BF16 decoded). */
export function toFloat64Array(t: Tensor): Float64Array {
  const d = t.data;
  const out = new Float64Array(d.length);
  if (t.dtype === 'F16' || t.dtype === 'BF16') {
    for (let i = 0; i < d.length; i++) out[i] = halfToNumber(d[i] as number, t.dtype === 'BF16');
  } else if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  } else {
    out.set(d);
  }
  return out;
}

/**
 * The model's weights as safetensors bytes in the model's dtype (F32 or F64), with PyTorch
 * names: layers.{i}.weight [fan_out, fan_in], layers.{i}.bias [fan_out] for i = 0..depth,
 * prelu.{i}.weight [1] or [units] for PReLU models, norms.{i}.weight and norms.{i}.bias [units]
 * for affine norms, and batch norm's running statistics norms.{i}.running_mean,
 * norms.{i}.running_var [units]. `metadata` is stored in `__metadata__` together with format
 * "pt" (what PyTorch's loaders look for). The file is written by src/results/weights.ts.
 */
export function serializeWeights(mlp: MLP, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const tensors = new Map<string, TensorInput>();
  for (const p of mlp.params()) tensors.set(p.name, { shape: p.shape, data: p.value });
  for (const b of mlp.buffers()) tensors.set(b.name, { shape: b.shape, data: b.value });
  return serializeSafetensors(tensors, { format: 'pt', ...metadata });
}

/** One layer as a weights file must match it: `layers.{index}.weight` [fanOut, fanIn], `.bias` [fanOut], PReLU slopes. */
export interface LayerShape {
  readonly index: number;
  readonly fanIn: number;
  readonly fanOut: number;
  /** The layer has learned PReLU slopes (`prelu.{index}.weight`, [1] or [fanOut]). */
  readonly prelu: boolean;
  /**
   * The layer's norm: affine ones have `norms.{index}.weight` and `.bias` [fanOut], batch norm
   * `norms.{index}.running_mean` and `.running_var` [fanOut] (PyTorch's `num_batches_tracked`
   * is accepted and ignored). Absent or null: none.
   */
  readonly norm?: { readonly name: 'batch' | 'layer'; readonly affine: boolean } | null;
}

/** A model as a weights file must match it; depth and activation only name it in messages. */
export interface WeightsLayout {
  readonly layers: readonly LayerShape[];
  readonly depth: number;
  readonly activation: string;
}

/** A tensor of the file and the parameter it fills. */
export interface WeightsMatch {
  readonly layer: number;
  readonly name: string;
  readonly kind: 'weight' | 'bias' | 'prelu' | 'normWeight' | 'normBias' | 'runningMean' | 'runningVar';
  readonly tensor: Tensor;
}

/** The tensors one layer has: name, kind, shape. */
function layerTensors(layer: LayerShape): [string, WeightsMatch['kind'], number[]][] {
  const i = layer.index;
  const out: [string, WeightsMatch['kind'], number[]][] = [
    [`layers.${i}.weight`, 'weight', [layer.fanOut, layer.fanIn]],
    [`layers.${i}.bias`, 'bias', [layer.fanOut]],
  ];
  if (layer.prelu) out.push([`prelu.${i}.weight`, 'prelu', [layer.fanOut]]);
  const norm = layer.norm;
  if (norm) {
    if (norm.affine) out.push([`norms.${i}.weight`, 'normWeight', [layer.fanOut]], [`norms.${i}.bias`, 'normBias', [layer.fanOut]]);
    if (norm.name === 'batch') {
      out.push([`norms.${i}.running_mean`, 'runningMean', [layer.fanOut]], [`norms.${i}.running_var`, 'runningVar', [layer.fanOut]]);
    }
  }
  return out;
}

/**
 * Matches the tensors of a weights file to `layout` (PyTorch's strict load_state_dict): every
 * tensor the model has, present, F32 or F64, with its exact shape and finite values, and no other
 * tensor. Throws `WeightsError` naming `path` and the tensor at the first mismatch.
 */
export function matchWeights(tensors: ReadonlyMap<string, Tensor>, layout: WeightsLayout, path: string): WeightsMatch[] {
  const plan: WeightsMatch[] = [];
  const expected = new Set<string>();
  const ignored = new Set<string>();
  for (const layer of layout.layers) {
    const i = layer.index;
    if (layer.norm?.name === 'batch') ignored.add(`norms.${i}.num_batches_tracked`);
    for (const [name, kind, shape] of layerTensors(layer)) {
      expected.add(name);
      const t = tensors.get(name);
      if (t === undefined) {
        const has = tensors.size > 0 ? showList([...tensors.keys()], 12) : 'no tensors';
        fail(path, `missing tensor "${name}" (expected ${shapeText(shape)}; the file has: ${has})`);
      }
      if (t.dtype !== 'F32' && t.dtype !== 'F64') {
        fail(path, `tensor "${name}" has dtype ${t.dtype}; weights must be F32 or F64`);
      }
      const prelu = kind === 'prelu';
      const fits = prelu
        ? t.shape.length === 1 && (t.shape[0] === 1 || t.shape[0] === layer.fanOut)
        : t.shape.length === shape.length && t.shape.every((d, k) => d === shape[k]);
      if (!fits) {
        const want = prelu ? `[1] or ${shapeText(shape)}` : shapeText(shape);
        fail(path, `tensor "${name}" has shape ${shapeText(t.shape)}, expected ${want}`);
      }
      // A NaN or infinite weight would only show up as a divergence at step 0.
      const data = t.data as Float32Array | Float64Array;
      for (let k = 0; k < data.length; k++) {
        if (!Number.isFinite(data[k])) fail(path, `tensor "${name}" holds ${data[k]} at element ${k}; weights must be finite`);
        if (kind === 'runningVar' && data[k] < 0) fail(path, `tensor "${name}" holds ${data[k]} at element ${k}; a running variance must be >= 0`);
      }
      plan.push({ layer: i, name, kind, tensor: t });
    }
  }
  const extra = [...tensors.keys()].filter((k) => !expected.has(k) && !ignored.has(k));
  if (extra.length > 0) {
    const norm = layout.layers.find((l) => l.norm)?.norm?.name;
    fail(path, `unexpected tensor${extra.length > 1 ? 's' : ''} ${showList(extra, 12, true)} ` +
      `(the model has depth ${layout.depth}, activation ${layout.activation}${norm ? `, ${norm} norm` : ''})`);
  }
  return plan;
}

/** Reads the weights file at `path` and checks it against `layout` without any model (see `matchWeights`). */
export function checkWeightsFile(path: string, layout: WeightsLayout): void {
  matchWeights(readSafetensors(path).tensors, layout, path);
}

/** The layout a weights file for `mlp` must have. */
export function weightsLayoutOf(mlp: MLP): WeightsLayout {
  return {
    layers: mlp.layers.map((l) => ({
      index: l.index, fanIn: l.fanIn, fanOut: l.fanOut, prelu: l.learned !== null,
      norm: l.norm === null ? null : { name: l.norm.spec.name, affine: l.norm.spec.affine },
    })),
    depth: mlp.depth,
    activation: mlp.activation,
  };
}

/**
 * Loads the weights in `path` into `mlp` (F32 or F64 tensors, converted to the model's dtype).
 * Every tensor the model has must be present with its exact shape, and no other tensor may be
 * (PyTorch's strict load_state_dict). PReLU slopes take the file's layout: [1] switches a
 * layer to one slope, [units] to one per unit. Nothing changes unless the whole file fits.
 */
export function importWeights(mlp: MLP, path: string): void {
  const { tensors } = readSafetensors(path);
  for (const { layer, kind, tensor } of matchWeights(tensors, weightsLayoutOf(mlp), path)) {
    const data = tensor.data as Float32Array | Float64Array;
    const l = mlp.layers[layer];
    const norm = l.norm;
    switch (kind) {
      case 'weight': l.W.set(data); break;
      case 'bias': l.b.set(data); break;
      case 'prelu':
        l.setSlopeCount(tensor.shape[0]);
        l.learned!.value.set(data);
        break;
      case 'normWeight': norm!.weight.set(data); break;
      case 'normBias': norm!.bias.set(data); break;
      case 'runningMean': norm!.runningMean.set(data); break;
      case 'runningVar': norm!.runningVar.set(data); break;
    }
  }
}
