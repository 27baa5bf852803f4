import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, expandCells, knownPaths, loadConfig } from '../../src/config/index.js';
import { schemaFileText } from '../../src/config/schema.js';
import { alternatives, type JsonSchemaNode } from '../../src/config/paths.js';
import { DATA_KINDS } from '../../src/data/index.js';
import { ACTIVATION_NAMES } from '../../src/net/activations.js';
import { INITIALIZER_NAMES } from '../../src/net/initializers.js';
import { LOSS_NAMES } from '../../src/net/losses.js';
import { OPTIMIZER_NAMES } from '../../src/net/optimizers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Every property node of the schema with its dotted path, through unions. */
function properties(node: JsonSchemaNode, prefix = ''): [string, JsonSchemaNode][] {
  return alternatives(node).flatMap((alt) =>
    Object.entries(alt.properties ?? {}).flatMap(([k, child]): [string, JsonSchemaNode][] => {
      const path = prefix ? `${prefix}.${k}` : k;
      return [[path, child], ...properties(child, path)];
    }),
  );
}

/** Every string listed in an enum anywhere under `node`. */
function enums(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(enums);
  if (typeof node !== 'object' || node === null) return [];
  const own = Array.isArray((node as JsonSchemaNode).enum) ? ((node as JsonSchemaNode).enum as unknown[]).map(String) : [];
  return [...own, ...Object.values(node).flatMap(enums)];
}

describe('experiments/schema.json', () => {
  it('is what scripts/gen-schema.ts writes from the zod schema (run it when this fails)', () => {
    const committed = readFileSync(`${repo}experiments/schema.json`, 'utf8');
    expect(committed).toBe(schemaFileText());
  });

  it('describes every field, so editors show help', () => {
    const undocumented = properties(configJsonSchema() as JsonSchemaNode)
      .filter(([, node]) => node.description === undefined)
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it('forbids unknown keys in every object', () => {
    const open = properties(configJsonSchema() as JsonSchemaNode)
      .flatMap(([path, node]) => alternatives(node).map((alt) => [path, alt] as const))
      .filter(([path, alt]) => alt.type === 'object' && path !== 'sweep' && alt.additionalProperties !== false)
      .map(([path]) => path);
    expect(open).toEqual([]);
    expect((configJsonSchema() as JsonSchemaNode).additionalProperties).toBe(false);
  });

  it.each([
    ['activations', ACTIVATION_NAMES],
    ['initializers', INITIALIZER_NAMES],
    ['optimizers', OPTIMIZER_NAMES],
    ['losses', LOSS_NAMES],
    ['data kinds', DATA_KINDS],
  ] as const)('lists every name of the %s registry', (_family, names) => {
    const listed = new Set(enums(configJsonSchema()));
    expect(names.filter((n) => !listed.has(n))).toEqual([]);
  });

  it('knows the dotted paths a --set or a sweep may use', () => {
    const paths = knownPaths();
    for (const p of ['model.depth', 'model.activation.alpha', 'data.noise', 'data.teacherActivation', 'train.optimizer.nesterov', 'seeds.count', 'sweep']) {
      expect(paths).toContain(p);
    }
    expect(paths.filter((p) => p.startsWith('sweep.'))).toEqual([]);
  });
});

describe('experiments/configs', () => {
  const dir = `${repo}experiments/configs`;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('holds at least one config', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s validates and expands', (file) => {
    const { config } = loadConfig(`${dir}/${file}`);
    expect(expandCells(config).length).toBeGreaterThan(0);
  });
});
