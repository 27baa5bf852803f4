/**
 * Loads and validates the claims file: the zod schema first (schema.ts), then what needs the rest
 * of gradflow: every study's config exists and every arm of it makes a valid config; every
 * measured claim names a check of its own kind, exactly the thresholds the check reads, roles
 * of the right arity naming arms that exist, a gate over its own roles, and params the check
 * accepts. All problems are collected and thrown at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../config/index.js';
import { CHECKS, CHECK_NAMES, isCheckName, type CheckDef } from './checks/index.js';
import { ClaimsFileSchema, type Claim, type ClaimsFile, type MeasuredClaim } from './schema.js';
import { armConfig, armExperiment, readBase } from './studies.js';
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

/** A claim with its check (none for untestable claims) and parsed params. */
export interface LoadedClaim {
  readonly claim: Claim;
  readonly def: CheckDef | null;
  readonly params: unknown;
  /** `<study>/<arm>` refs the claim reads, every role together. */
  readonly armRefs: readonly string[];
}

export interface LoadedClaims {
  readonly file: string;
  readonly configsDir: string;
  readonly data: ClaimsFile;
  readonly claims: readonly LoadedClaim[];
}

function issuePath(path: readonly PropertyKey[], data: unknown): string {
  let at = '';
  let node: unknown = data;
  for (const seg of path) {
    if (typeof seg === 'number') {
      const item: unknown = Array.isArray(node) ? node[seg] : undefined;
      const id = typeof item === 'object' && item !== null && 'id' in item ? item.id : undefined;
      at += typeof id === 'string' ? `[${seg}] (claim ${id})` : `[${seg}]`;
    } else {
      at += at === '' ? String(seg) : `.${String(seg)}`;
    }
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return at || '(top level)';
}

/** Every arm of every study makes a valid config. */
function studyErrors(data: ClaimsFile, configsDir: string): string[] {
  const errors: string[] = [];
  for (const [name, study] of Object.entries(data.studies)) {
    const path = join(configsDir, study.config);
    if (!existsSync(path)) {
      errors.push(text.configMissing(name, study.config, path));
      continue;
    }
    let base: Record<string, unknown>;
    try {
      base = readBase(configsDir, study);
    } catch (err) {
      errors.push(text.armInvalid(name, '(base)', err instanceof Error ? err.message : String(err)));
      continue;
    }
    for (const [armName, arm] of Object.entries(study.arms)) {
      try {
        const seeds = Array.from({ length: study.seeds }, (_, i) => i);
        resolveConfig(armConfig(base, study, arm, { name: armExperiment(name, armName), seeds }), `${name}/${armName}`);
      } catch (err) {
        errors.push(text.armInvalid(name, armName, err instanceof Error ? err.message : String(err)));
      }
    }
  }
  return errors;
}

/** Problems of one measured claim against its check and the studies. */
function claimErrors(c: MeasuredClaim, def: CheckDef, data: ClaimsFile, knownArms: readonly string[]): string[] {
  const errors: string[] = [];
  const id = c.id;
  if (def.kind === 'identity' && c.kind === 'identity') {
    const allowed = [...def.thresholds, ...def.optionalThresholds];
    for (const t of def.thresholds) if (!(t in c.thresholds)) errors.push(text.missingThreshold(id, c.check, t));
    for (const t of Object.keys(c.thresholds)) if (!allowed.includes(t)) errors.push(text.unknownThreshold(id, c.check, t, allowed));
  }
  const roles = Object.keys(def.roles);
  for (const [role, arity] of Object.entries(def.roles)) {
    const given = c.arms[role];
    if (given === undefined) {
      if (arity !== 'any') errors.push(text.missingRole(id, c.check, role));
    } else if (Array.isArray(given) !== (arity !== 'one')) {
      errors.push(text.roleArity(id, role, arity !== 'one'));
    }
  }
  for (const role of Object.keys(c.arms)) if (!roles.includes(role)) errors.push(text.unknownRole(id, c.check, role, roles));
  const refs = Object.values(c.arms).flat();
  for (const ref of refs) if (!knownArms.includes(ref)) errors.push(text.unknownArm(id, ref, knownArms));
  if (c.kind === 'empirical') {
    for (const g of c.gate ?? []) if (!roles.includes(g)) errors.push(text.gateRole(id, g, roles));
    const counts = [...new Set(refs.map((r) => r.split('/')[0]).filter((s) => s in data.studies).map((s) => `${s}: ${data.studies[s].seeds}`))];
    if (new Set(counts.map((x) => x.split(': ')[1])).size > 1) errors.push(text.mixedSeeds(id, counts));
  }
  const params = def.params.safeParse(c.params);
  if (!params.success) errors.push(...params.error.issues.map((i) => text.badParams(id, c.check, `${i.path.join('.') || '(params)'}: ${i.message}`)));
  return errors;
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
  if (!parsed.success) throw new ClaimsError(parsed.error.issues.map((i) => text.claimsField(file, issuePath(i.path, json), i.message)));
  const data = parsed.data;
  const errors = studyErrors(data, configsDir);
  const knownArms = Object.entries(data.studies).flatMap(([s, st]) => Object.keys(st.arms).map((a) => `${s}/${a}`));
  const claims: LoadedClaim[] = [];
  for (const claim of data.claims) {
    if (claim.kind === 'untestable') {
      claims.push({ claim, def: null, params: null, armRefs: [] });
      continue;
    }
    if (!isCheckName(claim.check)) {
      errors.push(text.unknownCheck(claim.id, claim.check, CHECK_NAMES));
      continue;
    }
    const def: CheckDef = CHECKS[claim.check];
    if (def.kind !== claim.kind) {
      errors.push(text.wrongKind(claim.id, claim.check, claim.kind, def.kind));
      continue;
    }
    errors.push(...claimErrors(claim, def, data, knownArms));
    const params = def.params.safeParse(claim.params);
    claims.push({ claim, def, params: params.success ? params.data : null, armRefs: [...new Set(Object.values(claim.arms).flat())] });
  }
  if (errors.length) throw new ClaimsError(errors);
  return { file, configsDir, data, claims };
}
