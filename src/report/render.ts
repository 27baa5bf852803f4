/**
 * Vega-Lite spec -> Vega spec -> scene graph -> SVG, in Node. The SVG is the fallback a report
 * shows with JavaScript off, and what tests inspect. Warnings from vega-lite's compiler and
 * from the Vega runtime are collected rather than printed.
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { Spec } from './specs/common.js';

/** A LoggerInterface that keeps warnings and errors. */
function collectingLogger(into: string[]): vega.LoggerInterface {
  let level = vega.Warn;
  const logger: vega.LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]) {
      into.push(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn(...args: unknown[]) {
      into.push(`warn: ${args.map(String).join(' ')}`);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

export interface Compiled {
  readonly vega: vega.Spec;
  /** vega-lite's warnings; a good spec has none. */
  readonly warnings: readonly string[];
}

export function compileSpec(spec: Spec): Compiled {
  const warnings: string[] = [];
  const out = compile(spec, { logger: collectingLogger(warnings) });
  return { vega: out.spec, warnings };
}

export interface Rendered {
  readonly view: vega.View;
  /** Compiler and runtime warnings together. */
  readonly warnings: readonly string[];
}

/** A headless View, run once (data flowed, scene graph built). */
export async function renderView(spec: Spec): Promise<Rendered> {
  const { vega: vg, warnings } = compileSpec(spec);
  const all = [...warnings];
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logger: collectingLogger(all) });
  await view.runAsync();
  return { view, warnings: all };
}

/** Mark instances and items per mark type (role "mark" only: no axes, legends, titles). */
export type MarkCounts = Record<string, { marks: number; items: number }>;

interface SceneNode {
  marktype?: string;
  role?: string;
  items?: SceneNode[];
}

export function countMarks(view: vega.View): MarkCounts {
  const counts: MarkCounts = {};
  const visit = (node: SceneNode): void => {
    if (node.marktype !== undefined && node.role === 'mark') {
      const c = (counts[node.marktype] ??= { marks: 0, items: 0 });
      c.marks++;
      c.items += node.items?.length ?? 0;
    }
    for (const child of node.items ?? []) visit(child);
  };
  // The scene graph's public type is opaque; its nodes are {marktype, role, items}.
  visit((view.scenegraph() as unknown as { root: SceneNode }).root);
  return counts;
}

const rgb = /rgb\((\d+), ?(\d+), ?(\d+)\)/g;
const hex2 = (n: string): string => Number(n).toString(16).padStart(2, '0');

/**
 * Smaller SVG with the same picture: geometry rounded to 0.01 px and rgb() colours as hex.
 * Only attribute values of geometry change; text content is left alone.
 */
export function compactSvg(svg: string): string {
  return svg
    .replace(/ (d|transform|points)="([^"]*)"/g, (_m, attr: string, value: string) =>
      ` ${attr}="${value.replace(/-?\d+\.\d{3,}(e-?\d+)?/g, (n) => String(Math.round(Number(n) * 100) / 100))}"`)
    .replace(rgb, (_m, r: string, g: string, b: string) => `#${hex2(r)}${hex2(g)}${hex2(b)}`);
}

/**
 * Vega numbers gradient and clip-path ids with a process-wide counter, so the same chart gets
 * different ids in different runs; this renames every id of `svg` to `<prefix>-<k>` in order of
 * appearance (and the url(#..) / href="#.." that point to it): deterministic, and unique on a
 * page when each chart has its own prefix.
 */
export function renumberIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!names.has(m[1])) names.set(m[1], `${prefix}-${names.size}`);
  if (names.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (all, head: string, id: string) => (names.has(id) ? `${head}${names.get(id)}"` : all))
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (names.has(id) ? `url(#${names.get(id)})` : all))
    .replace(/(href=")#([^"]+)"/g, (all, head: string, id: string) => (names.has(id) ? `${head}#${names.get(id)}"` : all));
}

/** The chart as a compact SVG string (deterministic for a given spec). */
export async function renderSvg(spec: Spec): Promise<{ svg: string; warnings: readonly string[] }> {
  const { view, warnings } = await renderView(spec);
  const svg = compactSvg(await view.toSVG());
  view.finalize();
  return { svg, warnings };
}
