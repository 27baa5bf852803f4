/**
 * Paths into a config: formatting them as JSON paths for messages (`model.depth`,
 * `sweep["model.depth"][2]`), reading and writing values at a path, and walking the
 * config's JSON Schema to a path (what a field accepts, which keys an object takes, which
 * dotted paths exist at all).
 */
import { show } from '../messages.js';
import { configJsonSchema, REF_FIELDS } from './schema.js';

export type PathSeg = string | number;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Keys longer than this are shown quoted and cut short (`show`), like any long value. */
const LONG_KEY = 60;

/** One segment as it follows a path: `.depth`, `[2]`, `["model.depth"]`. */
export function formatSegment(seg: PathSeg): string {
  if (typeof seg === 'number') return `[${seg}]`;
  return IDENT.test(seg) && seg.length <= LONG_KEY ? `.${seg}` : `[${show(seg)}]`;
}

/** `['model', 'depth']` -> `model.depth`; `['sweep', 'model.depth', 2]` -> `sweep["model.depth"][2]`; `[]` -> `(root)`. */
export function formatPath(segs: readonly PathSeg[]): string {
  if (segs.length === 0) return '(root)';
  // Keys of `sweep` are config paths: always bracketed, `sweep["seed"]` like `sweep["model.depth"]`.
  const s = segs.map((seg, i) => (i === 1 && segs[0] === 'sweep' ? `[${show(seg)}]` : formatSegment(seg))).join('');
  return s.startsWith('.') ? s.slice(1) : s;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at `segs`, or undefined when the path runs out. */
export function getAt(obj: unknown, segs: readonly PathSeg[]): unknown {
  let cur = obj;
  for (const s of segs) {
    if (typeof s === 'number' ? !Array.isArray(cur) : !isPlainObject(cur)) return undefined;
    cur = (cur as Record<PathSeg, unknown>)[s];
  }
  return cur;
}

const isRefPath = (segs: readonly string[]): boolean =>
  REF_FIELDS.some((f) => f.path.length === segs.length && f.path.every((p, i) => p === segs[i]));

export type SetResult =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly at: readonly string[]; readonly found: unknown };

/**
 * A copy of `obj` with `value` at the object path `segs`; missing objects on the way are
 * created, and a registry field written as a name (`"relu"`), or absent and so its default,
 * becomes `{"name": "relu"}` so that a parameter can be set under it. Fails where the path runs
 * through any other non-object.
 */
export function setAt(obj: Readonly<Record<string, unknown>>, segs: readonly string[], value: unknown): SetResult {
  const root: Record<string, unknown> = { ...obj };
  let cur = root;
  for (let i = 0; i < segs.length - 1; i++) {
    const key = segs[i];
    const prefix = segs.slice(0, i + 1);
    let next = cur[key];
    if (next === undefined && isRefPath(prefix)) next = schemaAt(prefix, root)?.default;
    if (next === undefined) next = {};
    else if (typeof next === 'string' && isRefPath(prefix)) next = { name: next };
    else if (isPlainObject(next)) next = { ...next };
    else return { ok: false, at: segs.slice(0, i + 1), found: next };
    cur[key] = next;
    cur = next as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]] = value;
  return { ok: true, value: root };
}

/** The part of JSON Schema that zod emits for a config and that the walkers read. */
export interface JsonSchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly additionalProperties?: JsonSchemaNode | boolean;
  readonly items?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly default?: unknown;
}

let cachedSchema: JsonSchemaNode | undefined;

/** The config's JSON Schema, built once. */
export function rootSchema(): JsonSchemaNode {
  cachedSchema ??= configJsonSchema() as JsonSchemaNode;
  return cachedSchema;
}

/** The alternatives of a union node, flattened; a plain node is its own single alternative. */
export function alternatives(node: JsonSchemaNode): JsonSchemaNode[] {
  const alts = node.anyOf ?? node.oneOf;
  return alts ? alts.flatMap(alternatives) : [node];
}

/** A property with a fixed value set (`kind`, `name`): the values, or undefined. */
const fixedValues = (node: JsonSchemaNode | undefined): readonly unknown[] | undefined =>
  node === undefined ? undefined : node.enum ?? ('const' in node ? [node.const] : undefined);

/**
 * The object alternative of `node` that `value` belongs to: of the alternatives with
 * properties, the first whose fixed-value properties (`kind`, `name`) all match `value`.
 */
export function objectBranch(node: JsonSchemaNode, value: unknown): JsonSchemaNode | undefined {
  const objects = alternatives(node).filter((a) => a.properties !== undefined);
  if (!isPlainObject(value)) return objects[0];
  return (
    objects.find((a) =>
      Object.entries(a.properties!).every(([k, p]) => {
        const fixed = fixedValues(p);
        return fixed === undefined || value[k] === undefined || fixed.includes(value[k]);
      }),
    ) ?? objects[0]
  );
}

/** The schema of the field at `segs` of `value` (whose values pick union branches), or undefined. */
export function schemaAt(segs: readonly PathSeg[], value: unknown, root: JsonSchemaNode = rootSchema()): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = root;
  let cur = value;
  for (const s of segs) {
    if (node === undefined) return undefined;
    if (typeof s === 'number') {
      node = alternatives(node).find((a) => a.items !== undefined)?.items;
    } else {
      const branch = objectBranch(node, cur);
      const extra = alternatives(node).find((a) => typeof a.additionalProperties === 'object')?.additionalProperties;
      node = branch?.properties?.[s] ?? (typeof extra === 'object' ? extra : undefined);
    }
    cur = getAt(cur, [s]);
  }
  return node;
}

/** The keys the object at `segs` of `value` takes. */
export function keysAt(segs: readonly PathSeg[], value: unknown): string[] {
  const node = schemaAt(segs, value);
  const branch = node && objectBranch(node, getAt(value, segs));
  return Object.keys(branch?.properties ?? {});
}

let cachedPaths: string[] | undefined;

/**
 * Every dotted path a config can hold, over all data kinds and registry entries (`model.depth`,
 * `data.noise`, `model.activation.alpha`, `seeds.count`), in schema order. Not the keys of `sweep`.
 */
export function knownPaths(): readonly string[] {
  if (cachedPaths) return cachedPaths;
  const out = new Set<string>();
  const visit = (node: JsonSchemaNode, prefix: string): void => {
    for (const alt of alternatives(node)) {
      for (const [k, child] of Object.entries(alt.properties ?? {})) {
        const path = prefix ? `${prefix}.${k}` : k;
        out.add(path);
        if (path !== 'sweep') visit(child, path);
      }
    }
  };
  visit(rootSchema(), '');
  cachedPaths = [...out];
  return cachedPaths;
}
