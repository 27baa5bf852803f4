/**
 * Loads and validates the claims file: the zod schema first (schema.ts), then everything that
 * needs the rest of gradflow: the check exists, its thresholds and roles are exactly those the
 * check reads, its params parse, every config exists and loads, and every cell a claim names is
 * a cell of one of its configs. All problems are collected and thrown at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandCells, loadConfig } from '../config/index.js';
import { CHECKS, CHECK_NAMES, type CheckDef, type CheckName } from './checks.js';
import { ClaimsFileSchema, type Claim, type ClaimsFile } from './schema.js';
import * as text from './text.js';

/** The repository root (this file is src/claims/load.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLAIMS_FILE = join(REPO_ROOT, 'experiments', 'claims.json');
export const CONFIGS_DIR = join(REPO_ROOT, 'experiments', 'configs');

export class ClaimsError extends Error {
  override readonly name = 'ClaimsError';
  constructor(readonly messages: readonly string[]) {
    super(messages.join('\n'));
  }
}

/** A claim with its check, parsed params and absolute config paths. */
export interface LoadedClaim {
  readonly claim: Claim;
  readonly check: CheckName;
  readonly def: CheckDef;
  readonly params: unknown;
  readonly configPaths: readonly string[];
  /** Config name of each path (the `name` inside the file). */
  readonly experiments: readonly string[];
}

export interface LoadedClaims {
  readonly file: string;
  readonly data: ClaimsFile;
  readonly claims: readonly LoadedClaim[];
}

function issuePath(path: readonly PropertyKey[], data: unknown): string {
  let at = '';
  let node: unknown = data;
  for (const seg of path) {
    if (typeof seg === 'number') {
      const id = Array.isArray(node) && typeof node[seg] === 'object' && node[seg] !== null ? (node[seg] as { id?: unknown }).id : undefined;
      at += typeof id === 'string' ? `[${seg}] (claim ${id})` : `[${seg}]`;
    } else {
      at += at === '' ? String(seg) : `.${String(seg)}`;
    }
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[seg as string] : undefined;
  }
  return at || '(top level)';
}

/** Reads and validates the claims file; throws ClaimsError with every problem. */
export function loadClaims(file: string = CLAIMS_FILE, configsDir: string = CONFIGS_DIR): LoadedClaims {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ClaimsError([text.claimsFileUnreadable(file, err instanceof Error ? err.message : String(err))]);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ClaimsError([text.claimsFileJson(file, err instanceof Error ? err.message : String(err))]);
  }
  const parsed = ClaimsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ClaimsError(parsed.error.issues.map((i) => text.claimsField(file, issuePath(i.path, json), i.message)));
  }
  const errors: string[] = [];
  const configCache = new Map<string, { name: string; cells: string[] } | string>();
  const configOf = (cfg: string): { name: string; cells: string[] } | string => {
    const hit = configCache.get(cfg);
    if (hit !== undefined) return hit;
    let out: { name: string; cells: string[] } | string;
    try {
      const { config } = loadConfig(join(configsDir, cfg));
      out = { name: config.name, cells: expandCells(config).map((c) => c.id) };
    } catch (err) {
      out = err instanceof Error ? err.message : String(err);
    }
    configCache.set(cfg, out);
    return out;
  };
  const claims: LoadedClaim[] = [];
  for (const claim of parsed.data.claims) {
    const id = claim.id;
    if (!(claim.check in CHECKS)) {
      errors.push(text.unknownCheck(id, claim.check, CHECK_NAMES));
      continue;
    }
    const check = claim.check as CheckName;
    const def: CheckDef = CHECKS[check];
    const allowed = [...def.thresholds, ...(def.optionalThresholds ?? [])];
    for (const t of def.thresholds) if (!(t in claim.thresholds)) errors.push(text.missingThreshold(id, check, t));
    for (const t of Object.keys(claim.thresholds)) if (!allowed.includes(t)) errors.push(text.unknownThreshold(id, check, t, allowed));
    const roles = Object.keys(def.roles);
    for (const [role, arity] of Object.entries(def.roles)) {
      const given = claim.cells[role];
      if (given === undefined) errors.push(text.missingRole(id, check, role));
      else if (Array.isArray(given) !== (arity === 'many')) errors.push(text.roleArity(id, role, arity === 'many'));
    }
    for (const role of Object.keys(claim.cells)) if (!roles.includes(role)) errors.push(text.unknownRole(id, check, role, roles));
    const params = def.params.safeParse(claim.params);
    if (!params.success) errors.push(...params.error.issues.map((i) => text.badParams(id, check, `${i.path.join('.') || '(params)'}: ${i.message}`)));
    if (def.runs && claim.configs.length === 0) errors.push(text.runWithoutConfigs(id, check));
    if (!def.runs && claim.configs.length > 0) errors.push(text.analyticWithConfigs(id, check));
    const experiments: string[] = [];
    const cellsOf = new Map<string, string[]>();
    const configPaths: string[] = [];
    for (const cfg of claim.configs) {
      const path = join(configsDir, cfg);
      configPaths.push(path);
      if (!existsSync(path)) {
        errors.push(text.configMissing(id, cfg, path));
        continue;
      }
      const c = configOf(cfg);
      if (typeof c === 'string') {
        errors.push(text.configInvalid(id, cfg, c));
        continue;
      }
      experiments.push(c.name);
      cellsOf.set(c.name, c.cells);
    }
    for (const ref of Object.values(claim.cells).flat()) {
      const slash = ref.indexOf('/');
      const exp = ref.slice(0, slash);
      const cell = ref.slice(slash + 1);
      const cells = cellsOf.get(exp);
      if (cells === undefined) {
        if (claim.configs.length > 0 && experiments.length === claim.configs.length) errors.push(text.cellConfigNotListed(id, ref, exp));
      } else if (!cells.includes(cell)) {
        errors.push(text.cellMissing(id, ref, cells));
      }
    }
    claims.push({ claim, check, def, params: params.success ? params.data : null, configPaths, experiments });
  }
  if (errors.length) throw new ClaimsError(errors);
  return { file, data: parsed.data, claims };
}
