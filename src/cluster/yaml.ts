/**
 * A small YAML writer for Kubernetes manifests: block mappings and sequences; a string is plain
 * when it is a word that no YAML 1.1 or 1.2 parser reads as anything else (`gradflow-tiny`,
 * `/results`), else double-quoted in JSON's escaping (a JSON string is a valid YAML
 * double-quoted scalar); numbers and booleans as JSON writes them. So no value is ever read back
 * as another type ("8" stays a string, `no` is not false). A multi-line string is a literal block scalar (`|`), which keeps a
 * config file readable inside a ConfigMap.
 */

/** JSON data: strings, finite numbers, booleans, null, arrays and plain objects (undefined members are left out). */
type Yaml = unknown;

const isMap = (v: Yaml): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null && !Array.isArray(v);

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;

/** YAML 1.1 reads these plain words as booleans or null (Kubernetes' parser among them). */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

/** Strings safe unquoted: start with a letter, `_` or `/`, no colon, blank or indicator, not a reserved word. */
const PLAIN_VALUE = /^[A-Za-z_\/][A-Za-z0-9_.\/@-]*$/;

function scalar(v: Yaml): string {
  if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
    throw new Error(`yaml: ${String(v)} is not JSON data`);
  }
  if (typeof v === 'string' && PLAIN_VALUE.test(v) && !RESERVED.test(v)) return v;
  // JSON leaves DEL, the C1 controls, U+2028/9 and the BOM raw; YAML wants them escaped.
  return JSON.stringify(v).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const key = (k: string): string => (PLAIN_KEY.test(k) && !RESERVED.test(k) ? k : scalar(k));

const isBlock = (v: Yaml): boolean => (Array.isArray(v) ? v.length > 0 : isMap(v) && Object.values(v).some((x) => x !== undefined));

/** A string written as a literal block: several lines, no control character but the newlines, no trailing blank. */
const isLiteral = (v: Yaml): v is string =>
  typeof v === 'string' && v.includes('\n') && !/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(v) && !/[ ]\n|[ ]$/.test(v) && !/^[ \n]/.test(v);

function literal(s: string, indent: string): string {
  const chomp = s.endsWith('\n') ? (s.endsWith('\n\n') ? '+' : '') : '-';
  const body = (s.endsWith('\n') ? s.slice(0, -1) : s).split('\n').map((l) => (l === '' ? '' : indent + l)).join('\n');
  return `|${chomp}\n${body}`;
}

function emptyOf(v: Yaml): string {
  return Array.isArray(v) ? '[]' : '{}';
}

function lines(v: Yaml, indent: string): string[] {
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v as readonly unknown[]) {
      if (isBlock(item)) {
        const inner = lines(item, indent + '  ');
        out.push(`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
      } else if (isLiteral(item)) {
        out.push(`${indent}- ${literal(item, indent + '  ')}`);
      } else {
        out.push(`${indent}- ${isMap(item) || Array.isArray(item) ? emptyOf(item) : scalar(item)}`);
      }
    }
    return out;
  }
  if (isMap(v)) {
    for (const [k, item] of Object.entries(v)) {
      if (item === undefined) continue;
      if (isBlock(item)) {
        if (Array.isArray(item)) out.push(`${indent}${key(k)}:`, ...lines(item, indent));
        else out.push(`${indent}${key(k)}:`, ...lines(item, indent + '  '));
      } else if (isLiteral(item)) {
        out.push(`${indent}${key(k)}: ${literal(item, indent + '  ')}`);
      } else {
        out.push(`${indent}${key(k)}: ${isMap(item) || Array.isArray(item) ? emptyOf(item) : scalar(item)}`);
      }
    }
    return out;
  }
  return [`${indent}${scalar(v)}`];
}

/** One YAML document for `value`, ending in a newline. */
export function toYaml(value: Yaml): string {
  return lines(value, '').join('\n') + '\n';
}
