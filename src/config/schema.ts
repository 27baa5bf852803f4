/**
 * The config of an experiment, defined once: this zod schema gives the input type `Config`,
 * the resolved type `ResolvedConfig` (every default filled in), the runtime validator and the
 * published JSON Schema (`experiments/schema.json`, written by scripts/gen-schema.ts).
 *
 * Names of activations, initializers, optimizers, losses and data kinds, their aliases, their
 * parameters and the parameters' defaults, bounds and rules are read from the registries'
 * parameter specs (src/net/params.ts), never listed here; an exclusive bound becomes
 * `exclusiveMinimum`/`exclusiveMaximum` in the JSON Schema.
 * Every object is strict: an unknown key is an error. Names are matched exactly (lower case,
 * aliases allowed), so an editor using the JSON Schema accepts what gradflow accepts.
 *
 * The error texts are not made here: src/config/issues.ts turns zod's issues into the
 * messages of src/messages.ts. Cross-field checks that zod cannot express as types attach a
 * message builder to a custom issue (`params.message(at)`), so a sweep can relabel the path.
 */
import { z } from 'zod';
import { DATA_KINDS, DATASETS, resolveDataKind, type DataKind, type ParamsFrom } from '../data/index.js';
import { ACTIVATION_NAMES, ACTIVATIONS, resolveActivationName, type ActivationName } from '../net/activations.js';
import { INITIALIZER_NAMES, INITIALIZERS, resolveInitializerName, type InitializerName } from '../net/initializers.js';
import { LOSS_NAMES, LOSSES, resolveLossName, type LossName } from '../net/losses.js';
import { NORM_NAMES, NORMS, resolveNormName, type NormName } from '../net/norm.js';
import { OPTIMIZER_NAMES, OPTIMIZERS, resolveOptimizerName, type OptimizerName } from '../net/optimizers.js';
import {
  brokenRule,
  entryParams,
  spellingsOf,
  type ParamRule,
  type ParamSpec,
  type ScalarSpecs,
} from '../net/params.js';
import { DTYPES } from '../net/tensor.js';
import { MAX_THREADS } from '../net/kernels-threads.js';
import * as msg from '../messages.js';

/** `name`: letters, digits, `.`, `_`, `-`, starting with a letter or digit (it names a folder). */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A folder name; file systems allow 255 bytes, and cell ids (up to 150) sit below it. */
export const MAX_NAME_LENGTH = 100;
/** A cell id (a folder name inside the experiment folder); longer ids are cut with a hash (expand.ts). */
export const MAX_CELL_ID_LENGTH = 150;
export const KERNEL_CHOICES = ['auto', 'wasm', 'ts', 'wasm-fma'] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];
/** `train.steps` when neither steps nor epochs is given. */
export const DEFAULT_STEPS = 1000;
/** Most cells one config may expand to (sweep product times seeds). */
export const MAX_CELLS = 10_000;

/** A registry entry as resolved: its canonical name and every parameter filled in. */
export type Ref<N extends string> = { readonly name: N; readonly [param: string]: number | boolean | string };

interface RegistryEntry {
  readonly aliases: readonly string[];
  readonly params: ScalarSpecs;
  readonly rules?: readonly ParamRule[];
}

/** One registry as the config sees it: its names, aliases and parameters. */
export interface Family<N extends string> {
  /** What one entry is called in messages: "activation". */
  readonly noun: string;
  readonly names: readonly N[];
  readonly registry: Readonly<Record<N, RegistryEntry>>;
  /** Canonical name for a name or alias. */
  resolve(name: string): N | undefined;
}

export const FAMILIES = {
  activation: { noun: 'activation', names: ACTIVATION_NAMES, registry: ACTIVATIONS, resolve: resolveActivationName },
  initializer: { noun: 'initializer', names: INITIALIZER_NAMES, registry: INITIALIZERS, resolve: resolveInitializerName },
  optimizer: { noun: 'optimizer', names: OPTIMIZER_NAMES, registry: OPTIMIZERS, resolve: resolveOptimizerName },
  norm: { noun: 'normalization', names: NORM_NAMES, registry: NORMS, resolve: resolveNormName },
} as const satisfies Record<string, Family<string>>;

/** The config fields that name a registry entry (a name or `{"name": ..., <params>}`). */
export const REF_FIELDS: readonly { readonly path: readonly string[]; readonly family: Family<string> }[] = [
  { path: ['model', 'activation'], family: FAMILIES.activation },
  { path: ['model', 'init'], family: FAMILIES.initializer },
  { path: ['model', 'biasInit'], family: FAMILIES.initializer },
  { path: ['train', 'optimizer'], family: FAMILIES.optimizer },
  { path: ['model', 'norm'], family: FAMILIES.norm },
];

/** Every accepted spelling of a family's entries: canonical names, then aliases. */
export function spellings(fam: Family<string>): string[] {
  return spellingsOf(fam.registry);
}

type Tuple = [string, ...string[]];

/**
 * One parameter from its spec: the type, the bounds (an exclusive one as `gt`/`lt`), null when
 * nullable, the default unless required, and the doc as the description.
 */
export function paramSchema(spec: ParamSpec): z.ZodType {
  let s: z.ZodType;
  switch (spec.type) {
    case 'boolean':
      s = z.boolean();
      break;
    case 'string':
      s = z.string().min(1);
      break;
    case 'enum':
      s = z.enum(spec.choices as Tuple);
      break;
    case 'integer':
    case 'number': {
      let n = spec.type === 'integer' ? z.int() : z.number();
      if (spec.min !== undefined) n = spec.exclusiveMin ? n.gt(spec.min) : n.min(spec.min);
      if (spec.max !== undefined) n = spec.exclusiveMax ? n.lt(spec.max) : n.max(spec.max);
      s = n;
      break;
    }
  }
  if (spec.nullable) s = s.nullable();
  if (!spec.required) s = s.default(spec.default);
  return s.describe(spec.doc);
}

function toRef<N extends string>(fam: Family<N>, v: string | Readonly<Record<string, unknown>>): Ref<N> {
  const given = typeof v === 'string' ? { name: v } : v;
  // The enums above admit only spellings the registry resolves.
  const name = fam.resolve(given.name as string) as N;
  return { name, ...entryParams(name, fam.registry[name].params, given) };
}

/**
 * A registry field: a name or alias (`"leaky_relu"`), or an object with `name` and any of the
 * entry's parameters (`{"name": "leaky_relu", "alpha": 0.05}`); resolves to `Ref<N>`.
 */
function refSchema<N extends string>(fam: Family<N>, fallback: N, doc: string) {
  const byName = z.enum(spellings(fam) as Tuple);
  const objects = fam.names.map((n) => {
    const entry = fam.registry[n];
    const params = Object.fromEntries(Object.entries(entry.params).map(([k, spec]) => [k, paramSchema(spec)]));
    return z
      .strictObject({ name: z.enum([n, ...entry.aliases] as Tuple).describe(`the ${fam.noun} ${n}`), ...params })
      .superRefine((v, ctx) => {
        const rule = brokenRule(entry.rules ?? [], v);
        if (rule === undefined) return;
        const value: unknown = (v as Readonly<Record<string, unknown>>)[rule.key];
        // The message is built where the path is known (a sweep shows it inside `sweep`).
        ctx.addIssue({ code: 'custom', path: [rule.key], message: rule.allowed, params: { message: (at: string) => msg.notAllowed(at, value, rule.allowed) } });
      });
  });
  const withParams = z.discriminatedUnion('name', objects as [(typeof objects)[number], ...(typeof objects)[number][]]);
  return z
    .union([byName, withParams])
    .transform((v) => toRef(fam, v))
    .prefault(fallback)
    .describe(`${doc}: a name or alias, or {"name": ..., <parameters>}; default "${fallback}"`);
}

/** The `data` object of one kind: `kind` and that kind's options, every default filled in. */
export type DataConfig = {
  [K in DataKind]: { readonly kind: K } & ParamsFrom<(typeof DATASETS)[K]['params']>;
}[DataKind];

const dataBranches = DATA_KINDS.map((kind) => {
  const def = DATASETS[kind];
  const options = Object.fromEntries(Object.entries(def.params).map(([k, spec]) => [k, paramSchema(spec)]));
  return z
    .strictObject({ kind: z.enum([kind, ...def.aliases] as Tuple).describe(def.doc), ...options })
    .describe(`${kind}: ${def.doc}`);
});

/** The `data` object as written: a kind or alias and any of that kind's options. */
export type DataInput = { readonly kind: string; readonly [option: string]: unknown };

// Built from the registry at run time, so its static types are stated here, from the same registry.
const DataSchema = z
  .discriminatedUnion('kind', dataBranches as [(typeof dataBranches)[number], ...(typeof dataBranches)[number][]])
  // The kind enums admit only spellings resolveDataKind knows.
  .transform((v) => ({ ...v, kind: resolveDataKind(v.kind as string)! }) as DataConfig)
  .describe('the data set: "kind" and the options of that kind') as unknown as z.ZodType<DataConfig, DataInput>;

const ResidualSchema = z
  .union([
    z.literal(false),
    z
      .strictObject({ scale: z.number().min(0).default(1).describe('alpha in h_l = h_{l-1} + alpha a_l') })
      .describe('residual connections around every hidden layer after the first'),
  ])
  .default(false)
  .describe('residual connections: false (default) or {"scale": alpha}, h_l = h_{l-1} + alpha a_l for hidden layers l >= 1');

const ModelSchema = z
  .strictObject({
    depth: z.int().min(0).default(10).describe('hidden layers; 0 is a linear model (input straight to output)'),
    width: z.int().min(1).default(64).describe('units in every hidden layer'),
    activation: refSchema(FAMILIES.activation, 'relu' as ActivationName, 'activation of the hidden layers'),
    init: refSchema(FAMILIES.initializer, 'glorot_uniform' as InitializerName, 'initializer of the weights'),
    biasInit: refSchema(FAMILIES.initializer, 'zeros' as InitializerName, 'initializer of the biases'),
    dtype: z.enum(DTYPES).default('float32').describe('floating-point type of weights and activations'),
    kernel: z
      .enum(KERNEL_CHOICES)
      .default('auto')
      .describe('compute kernels: auto (wasm when available), wasm or ts; wasm-fma: wasm with fused multiply-adds, ~15% faster, but its bits depend on the machine'),
    threads: z
      .int()
      .min(1)
      .max(MAX_THREADS)
      .default(1)
      .describe('threads the wasm kernel splits each large product and elementwise pass across; the results are byte-identical for any count (flag --threads)'),
    initFrom: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe('safetensors file to start from instead of the initializers, relative to the config file'),
    norm: refSchema(
      FAMILIES.norm,
      'none' as NormName,
      "normalization between each hidden layer's linear map and its activation: batch (PyTorch's BatchNorm1d) or layer (LayerNorm)",
    ),
    residual: ResidualSchema,
  })
  .describe('the multilayer perceptron');

const TrainSchema = z
  .strictObject({
    steps: z
      .int()
      .min(0)
      .nullable()
      .optional()
      .describe(`optimizer steps (default ${DEFAULT_STEPS} when epochs is not set); 0 records the initial network only`),
    epochs: z.int().min(0).nullable().optional().describe('passes over the training set, instead of steps'),
    batchSize: z.int().min(1).default(64).describe('examples per step'),
    optimizer: refSchema(FAMILIES.optimizer, 'sgd' as OptimizerName, 'optimizer'),
    lr: z.number().gt(0).default(0.1).describe('learning rate'),
    loss: z
      .enum(spellingsOf(LOSSES) as Tuple)
      .optional()
      .describe('loss; default cross_entropy for classification data, mse for regression'),
    shuffle: z.boolean().default(true).describe('reshuffle the training set every epoch'),
    weightDecay: z.number().min(0).default(0).describe('L2 penalty coefficient, added to the gradient as wd * w'),
    clipNorm: z.number().gt(0).nullable().default(null).describe('clip the global gradient norm to this value (null: no clipping)'),
    evalEvery: z.int().min(1).nullable().default(null).describe('steps between test-set evaluations (null: the trainer picks, about 20 a run)'),
    saveWeights: z.array(z.int().min(0)).default([]).describe('steps at which to save the weights as safetensors'),
  })
  // `when`: checked even when another train field is invalid, so every error shows at once.
  .superRefine(
    (t, ctx) => {
      const v = t as unknown;
      if (typeof v !== 'object' || v === null) return;
      const { steps, epochs } = v as { steps?: unknown; epochs?: unknown };
      if (typeof steps === 'number' && typeof epochs === 'number') {
        ctx.addIssue({ code: 'custom', path: [], message: 'steps and epochs', params: { message: (at: string) => msg.stepsAndEpochs(at, steps, epochs) } });
      }
    },
    { when: () => true },
  )
  .describe('the training recipe');

/** Most examples `metrics.jacobian` may ask for: each costs depth x width^3 multiply-adds and an SVD per step. */
export const MAX_JACOBIAN_EXAMPLES = 64;

const JacobianSchema = z
  .strictObject({
    steps: z
      .union([z.literal('records'), z.array(z.int().min(0)).min(1)])
      .describe('steps at which to compute the Jacobian: a list such as [0, 500], or "records" for every record step'),
    examples: z
      .int()
      .min(1)
      .max(MAX_JACOBIAN_EXAMPLES)
      .default(4)
      .describe('examples (the first rows of the probe batch) whose Jacobian is taken at each of those steps'),
  })
  .nullable()
  .describe('the input-output Jacobian of the hidden stack, J = dh_{depth-1} / dh_0, and its singular values, written to spectra.ndjson; absent or null: off');

const MetricsSchema = z
  .strictObject({
    every: z.int().min(1).default(100).describe('steps between metric records (step 0 and the last step are always recorded); 100 keeps the probe pass and the reducers within 10% of training time'),
    probe: z.int().min(1).default(512).describe('size of the fixed probe batch the activation statistics are measured on'),
    histogramsEvery: z.int().min(1).nullable().default(250).describe('steps between histogram records (null: none)'),
    enabled: z.boolean().default(true).describe('record per-layer metrics at all'),
    jacobian: JacobianSchema.optional(),
  })
  // The Jacobian's examples are rows of the probe batch.
  .superRefine((m, ctx) => {
    const examples = m.jacobian?.examples;
    if (examples !== undefined && examples > m.probe) {
      ctx.addIssue({
        code: 'custom', path: ['jacobian', 'examples'], message: 'examples > probe',
        params: { message: (at: string) => msg.jacobianExamples(at, examples, m.probe) },
      });
    }
  })
  .describe('what is recorded while training');

const SeedsSchema = z
  .union([
    z.strictObject({ count: z.int().min(1).max(MAX_CELLS).describe('number of seeds: seed, seed + 1, ..., seed + count - 1') }),
    z.array(z.int().min(0)).min(1),
  ])
  .superRefine(
    (s, ctx) => {
      if (!Array.isArray(s)) return;
      const first = new Map<unknown, number>();
      s.forEach((seed: unknown, i) => {
        const j = first.get(seed);
        if (j === undefined) first.set(seed, i);
        else if (typeof seed === 'number') {
          ctx.addIssue({ code: 'custom', path: [i], message: 'duplicate seed', params: { message: (at: string) => msg.duplicateSeed(at, seed, `seeds[${j}]`) } });
        }
      });
    },
    { when: () => true },
  )
  .describe('repeat every cell over several seeds: {"count": N} (seed, seed + 1, ...) or a list of seeds');

const SweepSchema = z
  .record(z.string(), z.array(z.unknown()).min(1).describe('the values this path takes, one cell each'))
  .default({})
  .describe('config paths ("model.depth") to lists of values; the run covers every combination');

const RootSchema = z
  .strictObject({
  $schema: z.string().optional().describe('the JSON Schema of this file, for editors'),
  name: z
    .string()
    .regex(NAME_PATTERN)
    .max(MAX_NAME_LENGTH)
    .describe('experiment name; results go to <out>/<name>'),
  description: z.string().default('').describe('what the experiment shows'),
  seed: z.int().min(0).default(0).describe('root of every random stream (data, init, batch order, probe); 0 is a seed like any other'),
  seeds: SeedsSchema.optional(),
  data: DataSchema,
  model: ModelSchema.prefault({}),
  train: TrainSchema.prefault({}),
  metrics: MetricsSchema.prefault({}),
  sweep: SweepSchema,
})
  .superRefine((v, ctx) => {
    // Batch norm divides by the batch's standard deviation: one example has none.
    if (v.model.norm.name !== 'batch') return;
    const small: [string[], number][] = [[['train', 'batchSize'], v.train.batchSize], [['metrics', 'probe'], v.metrics.probe]];
    for (const [path, n] of small) {
      if (n < 2) ctx.addIssue({ code: 'custom', path, message: 'batch norm', params: { message: (at: string) => msg.batchNormNeedsRows(at, n) } });
    }
  });

/**
 * The resolved model: `norm` and `residual` only when they are on, so a config without them
 * resolves (and hashes, and writes config.json) exactly as before they existed.
 */
function modelOf(m: z.output<typeof ModelSchema>) {
  const { norm, residual, ...rest } = m;
  return {
    ...rest,
    ...(norm.name === 'none' ? {} : { norm: norm as Ref<'batch' | 'layer'> }),
    ...(residual === false ? {} : { residual }),
  };
}

/** Steps, epochs, loss and seeds as the rest of the config decides them. */
function finish(v: z.output<typeof RootSchema>) {
  const task = DATASETS[v.data.kind].task;
  const loss: LossName | null = v.train.loss !== undefined
    ? resolveLossName(v.train.loss)!
    : task === 'classification' ? 'cross_entropy' : task === 'regression' ? 'mse' : null;
  const epochs = v.train.epochs ?? null;
  const steps = v.train.steps ?? (epochs === null ? DEFAULT_STEPS : null);
  const seeds: number[] | null = v.seeds === undefined
    ? null
    : Array.isArray(v.seeds) ? v.seeds : Array.from({ length: v.seeds.count }, (_, i) => v.seed + i);
  return {
    name: v.name,
    description: v.description,
    seed: v.seed,
    seeds,
    data: v.data,
    model: modelOf(v.model),
    train: {
      steps,
      epochs,
      batchSize: v.train.batchSize,
      optimizer: v.train.optimizer,
      lr: v.train.lr,
      loss,
      shuffle: v.train.shuffle,
      weightDecay: v.train.weightDecay,
      clipNorm: v.train.clipNorm,
      evalEvery: v.train.evalEvery,
      saveWeights: v.train.saveWeights,
    },
    metrics: v.metrics,
    sweep: v.sweep,
  };
}

/** The whole config: validates an input object and resolves it. */
export const ConfigSchema = RootSchema.transform(finish).describe('a gradflow experiment');

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A config as written (keys optional where they have defaults). */
export type Config = z.input<typeof ConfigSchema>;

/**
 * A config with every default filled in: registry fields are `Ref`s with canonical names and
 * every parameter; `train.steps`/`train.epochs`: exactly one is a number; `train.loss` is null
 * only for `tensors` data, whose task the file decides (see `lossFor`); `seeds` is the list of
 * seeds (null: just `seed`); `sweep` holds the values as written.
 */
export type ResolvedConfig = DeepReadonly<z.output<typeof ConfigSchema>>;

export type ModelConfig = ResolvedConfig['model'];
export type TrainConfig = ResolvedConfig['train'];
export type MetricsConfig = ResolvedConfig['metrics'];

export { lossFor, paramsOf } from './resolved.js';

/** The JSON Schema of a config file (draft 2020-12), as published in experiments/schema.json. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RootSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'gradflow experiment config', description: ConfigSchema.description };
}

/** The text of experiments/schema.json: the JSON Schema, 2-space indented, with a final newline. */
export function schemaFileText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
