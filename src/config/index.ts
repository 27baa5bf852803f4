/** The config module: schema and types, loading and resolving, sweeps and seeds, data checks. */
export { checkAgainstData } from './check.js';
export { ConfigError } from './errors.js';
export { applySet, loadConfig, parseSetValue, resolveConfig, type LoadedConfig, type LoadOptions } from './load.js';
export { formatPath, knownPaths } from './paths.js';
export {
  ConfigSchema,
  configJsonSchema,
  DEFAULT_STEPS,
  KERNEL_CHOICES,
  lossFor,
  MAX_CELLS,
  paramsOf,
  type Config,
  type DataConfig,
  type DataInput,
  type KernelChoice,
  type MetricsConfig,
  type ModelConfig,
  type Ref,
  type ResolvedConfig,
  type TrainConfig,
} from './schema.js';
export { canonicalJson, configHash, expandCells, type Cell } from './expand.js';
