/**
 * The model options of a resolved config as the net takes them: `model.norm` as a NormSpec
 * and `model.residual` as {scale}, null where the config leaves them off.
 */
import { normSpec, type NormSpec } from '../net/norm.js';
import { paramsOf, type ModelConfig } from './schema.js';

export function normOf(model: ModelConfig): NormSpec | null {
  return model.norm === undefined ? null : normSpec(model.norm.name, paramsOf(model.norm));
}

export function residualOf(model: ModelConfig): { readonly scale: number } | null {
  return model.residual ?? null;
}
