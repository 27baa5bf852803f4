/**
 * Weights files (safetensors, format in src/net/safetensors.ts), written through the one atomic
 * writer: a failure is an OutputError naming the file, like every other output of a run.
 */
import type { MLP } from '../net/mlp.js';
import { serializeSafetensors, serializeWeights, type TensorInput } from '../net/safetensors.js';
import { writeFileAtomic } from './write.js';

/** Writes the model's weights to `path` atomically (names and shapes: `serializeWeights`). */
export function exportWeights(mlp: MLP, path: string, metadata: Readonly<Record<string, string>> = {}): void {
  writeFileAtomic(path, serializeWeights(mlp, metadata));
}

/** Writes tensors to a safetensors file atomically (see `serializeSafetensors`). */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>,
  metadata: Readonly<Record<string, string>> = {},
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
