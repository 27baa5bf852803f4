/**
 * A tiny safetensors writer for the tests, independent of the reader under test: u64 LE header
 * length, JSON header, then each tensor's little-endian bytes in order.
 */
import { writeFileSync } from 'node:fs';

export interface TestTensor {
  readonly dtype: 'F32' | 'F64' | 'I32' | 'I64' | 'F16' | 'U8';
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

const BYTES = { F32: 4, F64: 8, I32: 4, I64: 8, F16: 2, U8: 1 } as const;

/** The bytes of a safetensors file; `header` patches the JSON header before it is written. */
export function safetensorsBytes(
  tensors: Readonly<Record<string, TestTensor>>,
  header: (h: Record<string, unknown>) => void = () => {},
): Uint8Array {
  const h: Record<string, unknown> = { __metadata__: { written_by: 'gradflow tests' } };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const size = BYTES[t.dtype];
    const buf = new Uint8Array(t.data.length * size);
    const view = new DataView(buf.buffer);
    t.data.forEach((v, i) => {
      if (t.dtype === 'F32') view.setFloat32(i * 4, v, true);
      else if (t.dtype === 'F64') view.setFloat64(i * 8, v, true);
      else if (t.dtype === 'I32') view.setInt32(i * 4, v, true);
      else if (t.dtype === 'I64') view.setBigInt64(i * 8, BigInt(v), true);
      else if (t.dtype === 'U8') view.setUint8(i, v);
      else view.setUint16(i * 2, 0, true);
    });
    h[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + buf.length] };
    offset += buf.length;
    chunks.push(buf);
  }
  header(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function writeSafetensors(
  file: string,
  tensors: Readonly<Record<string, TestTensor>>,
  header?: (h: Record<string, unknown>) => void,
): void {
  writeFileSync(file, safetensorsBytes(tensors, header));
}
