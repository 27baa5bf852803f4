/**
 * Data kind `tensors`: your own data from a safetensors file.
 *
 * File layout (https://github.com/huggingface/safetensors): u64 little-endian N, then N bytes of
 * JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`, then the
 * byte buffer; a tensor's bytes are buffer[begin, end), row-major, little-endian.
 *
 * Wanted: `x` [n, d] F32/F64 features; `y` [n] I32/I64 class labels (classes = largest label
 * + 1), or [n, k] F32/F64 regression targets ([n] float is read as k = 1). The values are used
 * exactly as stored; only `standardize: true` changes the features. Every refusal is a
 * `DataError` naming the file and the tensor.
 *
 * The reader here is a minimal one (header, bounds, the four dtypes above), kept inside src/data
 * so the data never waits on the weights reader.
 */
import { FileReadError, readProblemText, readRegularFile } from '../net/files.js';
import { resolve } from 'node:path';
import { DataError, dataMessages } from './errors.js';
import { standardizeParam, testFractionParam, type DataParamSpecs, type ParamsFrom } from './params.js';
import type { LoadContext, RawData } from './types.js';

export const TENSORS_PARAMS = {
  path: {
    type: 'string',
    default: null,
    required: true,
    doc: 'safetensors file with x [n, d] and y [n] or [n, k], relative to the config file',
  },
  testFraction: testFractionParam,
  standardize: standardizeParam,
} as const satisfies DataParamSpecs;

const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

export interface TensorEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte offsets into the file (not the buffer): bytes [begin, end). */
  readonly begin: number;
  readonly end: number;
}

/** The header of a safetensors file held in `bytes`; `file` only names it in errors. */
export function parseTensorsHeader(bytes: Uint8Array, file: string): Map<string, TensorEntry> {
  if (bytes.length < 8) throw new DataError(dataMessages.fileTooShort(file, bytes.length), file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw new DataError(dataMessages.headerLength(file, bytes.length), file);
  const dataStart = 8 + Number(n);
  const bufferLength = bytes.length - dataStart;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch {
    // Not the parser's message: it quotes the bytes, which for a file that is not safetensors are its contents.
    throw new DataError(dataMessages.headerJson(file, 'not valid UTF-8 JSON'), file);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new DataError(dataMessages.headerJson(file, 'found ' + (Array.isArray(header) ? 'an array' : typeof header)), file);
  }
  const out = new Map<string, TensorEntry>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bad = (problem: string): never => {
      throw new DataError(dataMessages.tensorEntry(file, name, problem), file);
    };
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) bad('the header entry is not an object');
    if (typeof e.dtype !== 'string') bad('no dtype');
    const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) bad('shape is not a list of non-negative integers');
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount) || off[0] > off[1]) {
      bad('data_offsets is not [begin, end] with 0 <= begin <= end');
    }
    const [begin, end] = off as [number, number];
    if (end > bufferLength) bad(`data_offsets [${begin}, ${end}] run past the ${bufferLength}-byte buffer`);
    const shape = e.shape as number[];
    const size = DTYPE_BYTES[e.dtype as string];
    const count = shape.reduce((a, b) => a * b, 1);
    if (size !== undefined && (end - begin) !== count * size) {
      bad(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes; shape [${shape.join(', ')}] of ${e.dtype} needs ${count * size}`);
    }
    out.set(name, { dtype: e.dtype as string, shape, begin: dataStart + begin, end: dataStart + end });
  }
  // A header that lies about its offsets can point two tensors at the same bytes: sorted by
  // start, a non-empty tensor overlaps an earlier one iff it starts before the furthest end.
  const spans = [...out].filter(([, t]) => t.end > t.begin).sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  let furthest: [string, TensorEntry] | null = null;
  for (const span of spans) {
    if (furthest !== null && span[1].begin < furthest[1].end) {
      const rel = (t: TensorEntry): [number, number] => [t.begin - dataStart, t.end - dataStart];
      throw new DataError(dataMessages.tensorsOverlap(file, furthest[0], rel(furthest[1]), span[0], rel(span[1])), file);
    }
    if (furthest === null || span[1].end > furthest[1].end) furthest = span;
  }
  return out;
}

/** An F32/F64 tensor as float64, row-major; refuses NaN and infinities. */
function floats(view: DataView, t: TensorEntry, file: string, name: string): Float64Array {
  const count = (t.end - t.begin) / (t.dtype === 'F32' ? 4 : 8);
  const width = t.shape.length > 1 ? t.shape[1] : 1;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = t.dtype === 'F32' ? view.getFloat32(t.begin + 4 * i, true) : view.getFloat64(t.begin + 8 * i, true);
    if (!Number.isFinite(v)) throw new DataError(dataMessages.nonFinite(file, name, Math.floor(i / width), i % width, v), file);
    out[i] = v;
  }
  return out;
}

/** I32/I64 labels [n] as int32; classes = largest + 1. */
function labels(view: DataView, t: TensorEntry, file: string): { y: Int32Array; classes: number } {
  const count = t.shape[0];
  const y = new Int32Array(count);
  let max = -1;
  for (let i = 0; i < count; i++) {
    const v = t.dtype === 'I32' ? view.getInt32(t.begin + 4 * i, true) : view.getBigInt64(t.begin + 8 * i, true);
    if (v < 0 || v > 2147483647) throw new DataError(dataMessages.badLabel(file, i, v), file);
    y[i] = Number(v);
    if (y[i] > max) max = y[i];
  }
  if (count > 0 && y.every((v) => v === y[0])) throw new DataError(dataMessages.oneClass(file, y[0]), file);
  return { y, classes: max + 1 };
}

/** Reads x and y from the safetensors file at `path` (absolute, or relative to the cwd). */
export function readTensorsFile(path: string): RawData {
  const file = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(file);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    const p = e.problem;
    const reason = p.kind === 'missing' ? 'no such file' : p.kind === 'other' ? p.reason : `it ${readProblemText(p, 'a safetensors file')}`;
    throw new DataError(dataMessages.fileUnreadable(file, reason), file);
  }
  const entries = parseTensorsHeader(bytes, file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (name: string, wanted: string): TensorEntry => {
    const t = entries.get(name);
    if (!t) throw new DataError(dataMessages.missingTensor(file, name, [...entries.keys()], wanted), file);
    return t;
  };
  const tx = need('x', 'features, [n, d] F32 or F64');
  const ty = need('y', 'class labels [n] I32 or I64, or targets [n, k] F32 or F64');
  if (tx.dtype !== 'F32' && tx.dtype !== 'F64') throw new DataError(dataMessages.tensorDtype(file, 'x', tx.dtype, ['F32', 'F64']), file);
  if (tx.shape.length !== 2) throw new DataError(dataMessages.tensorRank(file, 'x', tx.shape, '[n, d] (rank 2)'), file);
  const [n, d] = tx.shape;
  if (n === 0) throw new DataError(dataMessages.emptyTensor(file, 'x'), file);
  if (d === 0) throw new DataError(dataMessages.tensorRank(file, 'x', tx.shape, '[n, d] with d >= 1'), file);
  const x = floats(view, tx, file, 'x');

  const integer = ty.dtype === 'I32' || ty.dtype === 'I64';
  const float = ty.dtype === 'F32' || ty.dtype === 'F64';
  if (!integer && !float) throw new DataError(dataMessages.tensorDtype(file, 'y', ty.dtype, ['I32', 'I64', 'F32', 'F64']), file);
  if (integer && ty.shape.length !== 1) {
    throw new DataError(dataMessages.tensorRank(file, 'y', ty.shape, '[n] for integer class labels'), file);
  }
  if (float && (ty.shape.length < 1 || ty.shape.length > 2 || ty.shape[1] === 0)) {
    throw new DataError(dataMessages.tensorRank(file, 'y', ty.shape, '[n, k] (or [n]) for float regression targets'), file);
  }
  if (ty.shape[0] !== n) throw new DataError(dataMessages.rowMismatch(file, n, ty.shape[0]), file);
  if (integer) {
    const { y, classes } = labels(view, ty, file);
    return { task: 'classification', x, y, n, d, classes };
  }
  const k = ty.shape.length === 2 ? ty.shape[1] : 1;
  return { task: 'regression', x, y: floats(view, ty, file, 'y'), n, d, k };
}

/** The `tensors` kind's rows: `path` resolved against the config file's folder. */
export function readTensorsData(p: ParamsFrom<typeof TENSORS_PARAMS>, ctx: LoadContext): { raw: RawData; source: string } {
  const source = resolve(ctx.baseDir, p.path);
  return { raw: readTensorsFile(source), source };
}
