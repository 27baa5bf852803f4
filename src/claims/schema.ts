/**
 * The claims file (`experiments/claims.json`), defined once: this zod schema gives the types and
 * the validator; docs/claims.md describes it for people. What zod cannot see (a check's name, its
 * roles and thresholds, that configs exist and name the cells a claim reads) is checked in
 * load.ts against the check registry and the configs themselves.
 */
import { z } from 'zod';

export const VERDICTS = ['reproduced', 'not reproduced', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** "4", "12b": the issue's number, optionally a letter for a part of it. */
export const CLAIM_ID = /^[1-9][0-9]*[a-z]?$/;
/** A claim config: a file of experiments/configs/ whose name starts with `claim-`. */
export const CLAIM_CONFIG = /^claim-[A-Za-z0-9._-]+\.json$/;
/** A cell of a claim config: `<config name>/<cell id>`, as the run writes its folders. */
export const CELL_REF = /^claim-[A-Za-z0-9._-]+\/[^/]+$/;

const text = z.string().trim().min(1);

export const ClaimSchema = z
  .strictObject({
    id: z.string().regex(CLAIM_ID, 'an id is a number, optionally followed by one letter ("4", "12b")'),
    title: text,
    /** The post's statement in our own words. */
    statement: text,
    /** The post's section (its heading), or the cited paper. */
    section: text,
    /** Config files under experiments/configs/ the claim runs (none for analytic claims). */
    configs: z.array(z.string().regex(CLAIM_CONFIG, 'a claim config is experiments/configs/claim-*.json, named by its file name')),
    /** Role -> the cell (or cells) the check reads in that role. */
    cells: z.record(z.string(), z.union([z.string().regex(CELL_REF), z.array(z.string().regex(CELL_REF)).min(1)])).default({}),
    /** What is measured, in words. */
    metric: text,
    /** The predicate in words, naming the thresholds. */
    predicate: text,
    /** The name of the check in src/claims/checks.ts that measures and judges. */
    check: text,
    /** Settings of the measurement (grid, rounds), not thresholds. */
    params: z.record(z.string(), z.unknown()).default({}),
    /** Pre-registered thresholds, by name. */
    thresholds: z.record(z.string(), z.number()),
    /** One line: why these thresholds. */
    reason: text,
    /** How a setting was chosen, or anything else a reader should know. */
    notes: text.optional(),
    /** The verdict CI expects. */
    expected: z.enum(VERDICTS),
    /** Required when `expected` is not `reproduced`. */
    why: text.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.expected !== 'reproduced' && c.why === undefined) {
      ctx.addIssue({ code: 'custom', path: ['why'], message: `expected is "${c.expected}", so "why" must say why` });
    }
  });

export const ClaimsFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /** The post, relative to the claims file. */
    post: text,
    title: text,
    /** How and when the thresholds were registered. */
    registered: text,
    claims: z.array(ClaimSchema).min(1),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.claims.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['claims', i, 'id'], message: `claim id "${c.id}" appears twice` });
      seen.add(c.id);
    });
  });

export type Claim = z.output<typeof ClaimSchema>;
export type ClaimsFile = z.output<typeof ClaimsFileSchema>;

/** The number part of an id: "12b" -> 12. */
export function claimNumber(id: string): number {
  return Number.parseInt(id, 10);
}

/** Whether a claim is selected by `--only`: "12" selects 12 and 12b; "12b" only 12b. */
export function selects(only: readonly (number | string)[] | undefined, id: string): boolean {
  if (only === undefined || only.length === 0) return true;
  return only.some((o) => {
    const s = String(o).trim();
    return s === id || (/^[0-9]+$/.test(s) && claimNumber(id) === Number(s));
  });
}
