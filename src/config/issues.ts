/**
 * zod's issues -> gradflow's messages. Each message names the JSON path of the field, the value
 * found there (read from the input itself) and what the field allows (read from the config's
 * JSON Schema, so it always agrees with the validator).
 */
import type { z } from 'zod';
import { DATA_KINDS, resolveDataKind } from '../data/index.js';
import { LOSS_NAMES } from '../net/losses.js';
import * as msg from '../messages.js';
import {
  alternatives,
  formatPath,
  getAt,
  keysAt,
  schemaAt,
  type JsonSchemaNode,
  type PathSeg,
} from './paths.js';
import { NAME_PATTERN, REF_FIELDS, spellings, type Family } from './schema.js';
import { nearest, nearestKey } from './suggest.js';

/** One message and the field it is about. */
export interface Located {
  /** Raw path of the field (for sorting and relabelling). */
  readonly segs: readonly PathSeg[];
  /** The path as shown (`model.depth`, or `sweep["model.depth"][2]` inside a sweep). */
  readonly at: string;
  readonly text: string;
}

/** How a path is shown; a sweep maps the paths of swept fields to their place in `sweep`. */
export type Labeler = (segs: readonly PathSeg[]) => string;

type Issue = z.core.$ZodIssue;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function joinOr(parts: readonly string[]): string {
  const uniq = [...new Set(parts)];
  if (uniq.length <= 1) return uniq[0] ?? 'nothing';
  return `${uniq.slice(0, -1).join(', ')} or ${uniq[uniq.length - 1]}`;
}

function numberText(node: JsonSchemaNode, plural: boolean): string {
  const int = node.type === 'integer';
  const noun = plural ? (int ? 'integers' : 'numbers') : int ? 'an integer' : 'a number';
  // zod bounds every integer by +-MAX_SAFE_INTEGER; those are not worth saying.
  const lo = node.minimum !== undefined && node.minimum > -MAX_SAFE ? node.minimum : node.exclusiveMinimum;
  const hi = node.maximum !== undefined && node.maximum < MAX_SAFE ? node.maximum : node.exclusiveMaximum;
  const loClosed = lo === node.minimum;
  const hiClosed = hi === node.maximum;
  if (lo !== undefined && hi !== undefined) return `${noun} in ${loClosed ? '[' : '('}${lo}, ${hi}${hiClosed ? ']' : ')'}`;
  if (lo !== undefined) return `${noun} ${loClosed ? '>=' : '>'} ${lo}`;
  if (hi !== undefined) return `${noun} ${hiClosed ? '<=' : '<'} ${hi}`;
  return noun;
}

/** What a schema node accepts, in words: "an integer >= 0", "a number in [0, 1)", "null or ...". */
export function describe(node: JsonSchemaNode | undefined, plural = false): string {
  if (node === undefined) return 'nothing (no such field)';
  if (node.anyOf ?? node.oneOf) {
    const alts = alternatives(node);
    // A discriminated union of objects (data kinds): name the discriminator's values.
    const objects = alts.filter((a) => a.properties !== undefined);
    if (objects.length > 1 && objects.length === alts.length) {
      const key = Object.keys(objects[0].properties!).find((k) => objects.every((o) => o.properties![k]?.enum !== undefined));
      if (key !== undefined) {
        const values = objects.map((o) => String(o.properties![key].enum![0]));
        return `an object with "${key}" one of ${values.join(', ')}`;
      }
    }
    const parts = alts.map((a) => describe(a, plural));
    const nonNull = parts.filter((p) => p !== 'null');
    return joinOr(nonNull.length < parts.length ? [...nonNull, 'null'] : parts);
  }
  if (node.enum) return `one of ${node.enum.map(String).join(', ')}`;
  if ('const' in node) return JSON.stringify(node.const);
  switch (node.type) {
    case 'integer':
    case 'number':
      return numberText(node, plural);
    case 'boolean':
      return plural ? 'booleans' : 'true or false';
    case 'null':
      return 'null';
    case 'string':
      if (node.pattern === NAME_PATTERN.source) {
        const most = node.maxLength === undefined ? '' : `, at most ${node.maxLength} characters`;
        return `${plural ? 'names' : 'a name'} of letters, digits, ".", "_" and "-" that starts with a letter or digit${most}`;
      }
      if (node.minLength) return plural ? 'non-empty strings' : 'a non-empty string';
      return plural ? 'strings' : 'a string';
    case 'array': {
      const items = node.items && Object.keys(node.items).length > 0 ? describe(node.items, true) : 'values';
      const list = `${plural ? 'lists' : 'a list'} of ${items}`;
      return node.minItems ? `${plural ? 'non-empty lists' : 'a non-empty list'} of ${items}` : list;
    }
    case 'object': {
      const props = Object.entries(node.properties ?? {});
      if (props.length > 0 && props.length <= 2) return `{${props.map(([k, v]) => `"${k}": ${describe(v)}`).join(', ')}}`;
      return plural ? 'objects' : 'an object';
    }
    default:
      return 'a value';
  }
}

const samePath = (a: readonly PathSeg[], b: readonly PathSeg[]): boolean =>
  a.length === b.length && a.every((s, i) => s === b[i]);

const refAt = (segs: readonly PathSeg[]): Family<string> | undefined => REF_FIELDS.find((f) => samePath(f.path, segs))?.family;

/** Fields whose value is a name of a fixed list with aliases: the canonical names to show. */
function canonicalNames(segs: readonly PathSeg[]): readonly string[] | undefined {
  if (samePath(segs, ['train', 'loss'])) return LOSS_NAMES;
  if (samePath(segs, ['data', 'kind'])) return DATA_KINDS;
  if (segs[segs.length - 1] === 'name') return refAt(segs.slice(0, -1))?.names;
  return undefined;
}

/** An issue whose value did not even have the branch's type: that union branch was not meant. */
const typeMismatch = (branch: readonly Issue[]): boolean =>
  branch.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));

/**
 * The messages for zod's `issues` on `input`, in no particular order. `label` shows a path
 * (default: as a JSON path).
 */
export function issueMessages(issues: readonly Issue[], input: unknown, label: Labeler = formatPath): Located[] {
  const out: Located[] = [];
  const emit = (segs: readonly PathSeg[], text: string): void => {
    out.push({ segs, at: label(segs), text });
  };

  const visit = (issue: Issue, prefix: readonly PathSeg[]): void => {
    const segs = [...prefix, ...(issue.path as PathSeg[])];
    const at = label(segs);
    const value = getAt(input, segs);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const fam = refAt(segs);
        const allowed = keysAt(segs, input);
        for (const key of issue.keys) {
          const child = [...segs, key];
          if (fam) {
            const entry = fam.resolve(String(getAt(input, [...segs, 'name']))) ?? String(getAt(input, [...segs, 'name']));
            const params = allowed.filter((k) => k !== 'name');
            emit(child, msg.unknownParam(label(child), entry, nearestKey(key, params), params));
          } else if (samePath(segs, ['data'])) {
            const kind = getAt(input, ['data', 'kind']);
            const shown = typeof kind === 'string' ? resolveDataKind(kind) ?? kind : String(kind);
            emit(child, msg.unknownDataOption(label(child), shown, nearestKey(key, allowed), allowed));
          } else {
            emit(child, msg.unknownKey(label(child), nearestKey(key, allowed), allowed));
          }
        }
        return;
      }
      case 'invalid_union': {
        if ('discriminator' in issue && issue.discriminator !== undefined) {
          // No branch has this `kind`/`name`; the path already ends at the discriminator.
          const options = (issue as { options?: unknown[] }).options?.map(String) ?? [];
          const names = canonicalNames(segs) ?? options;
          if (value === undefined) emit(segs, msg.missing(at, `one of ${names.join(', ')}`));
          else emit(segs, msg.notOneOf(at, value, names, typeof value === 'string' ? nearest(value, options) : undefined));
          return;
        }
        const fam = refAt(segs);
        if (fam && typeof value === 'string') {
          emit(segs, msg.notOneOf(at, value, fam.names, nearest(value, spellings(fam))));
          return;
        }
        const branch = issue.errors.find((b) => !typeMismatch(b));
        if (branch) {
          for (const i of branch) visit(i, segs);
          return;
        }
        emit(segs, msg.notAllowed(at, value, fam ? msg.nameOrObject(fam.names) : describe(schemaAt(segs, input))));
        return;
      }
      case 'invalid_value': {
        const options = issue.values.map(String);
        const names = canonicalNames(segs) ?? options;
        if (value === undefined) emit(segs, msg.missing(at, `one of ${names.join(', ')}`));
        else emit(segs, msg.notOneOf(at, value, names, typeof value === 'string' ? nearest(value, options) : undefined));
        return;
      }
      case 'custom': {
        const build = (issue.params as { message?: unknown } | undefined)?.message;
        emit(segs, typeof build === 'function' ? (build as (at: string) => string)(at) : `${at}: ${issue.message}`);
        return;
      }
      default: {
        const node = schemaAt(segs, input);
        // Past 2^53 - 1 a number is no longer an exact integer: the bound zod applies silently is said.
        const described = describe(node);
        const unsafe = typeof value === 'number' && Number.isFinite(value) && Math.abs(value) > MAX_SAFE && described.includes('integer');
        const expected = described + (unsafe ? msg.safeIntegerBound() : '');
        // A missing field's description says what it is for.
        const doc = node?.description === undefined ? '' : ` (${node.description})`;
        emit(segs, value === undefined ? msg.missing(at, expected + doc) : msg.notAllowed(at, value, expected));
      }
    }
  };

  for (const issue of issues) visit(issue, []);
  return out;
}

/** Sorted by the path as shown, then by text; repeated texts dropped. */
export function sortMessages(list: readonly Located[]): Located[] {
  const seen = new Set<string>();
  return [...list]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .filter((m) => (seen.has(m.text) ? false : (seen.add(m.text), true)));
}
