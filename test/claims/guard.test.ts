import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAIMS_FILE, CONFIGS_DIR, exitCodeOf, runClaims, unexpectedIds } from '../../src/claims/index.js';
import type { ClaimVerdict, VerdictsFile } from '../../src/claims/types.js';
import { gradflow } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gradflow-guard-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const v = (id: string, verdict: ClaimVerdict['verdict'], expected: ClaimVerdict['expected']): ClaimVerdict => ({
  id, title: id, kind: 'empirical', section: 's', erratum: false, verdict, expected, asExpected: verdict === expected, measures: [], info: [], runs: [],
});

describe('the verdict guard', () => {
  it('passes when every verdict is the expected one', () => {
    expect(exitCodeOf([v('1', 'reproduced', 'reproduced'), v('2', 'not reproduced', 'not reproduced'), v('3', 'inconclusive', 'inconclusive')])).toBe(0);
  });

  it.each([
    ['a lost reproduction', 'not reproduced', 'reproduced'],
    ['a reproduction the file does not expect', 'reproduced', 'not reproduced'],
    ['a claim that turned inconclusive', 'inconclusive', 'reproduced'],
    ['an inconclusive claim that became decided', 'not reproduced', 'inconclusive'],
    ['an identity that fails', 'fails', 'holds'],
    ['an identity that holds although expected to fail', 'holds', 'fails'],
  ] as const)('fails on %s', (_what, verdict, expected) => {
    const vs = [v('1', 'reproduced', 'reproduced'), v('7b', verdict, expected)];
    expect(exitCodeOf(vs)).toBe(1);
    expect(unexpectedIds(vs)).toEqual(['7b']);
  });
});

/** A claims file with the committed claims `ids` and their expected verdicts replaced. */
function claimsFile(name: string, ids: readonly string[], expected: Readonly<Record<string, string>> = {}): string {
  const data = JSON.parse(readFileSync(CLAIMS_FILE, 'utf8')) as { claims: Record<string, unknown>[] };
  data.claims = data.claims
    .filter((c) => ids.includes(String(c.id)))
    .map((c) => (String(c.id) in expected ? { ...c, expected: expected[String(c.id)], why: 'the test expects it' } : c));
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(data));
  return file;
}

describe('runClaims end to end (identities only, no training)', () => {
  it('exits 0 and writes the verdicts apart by kind when every verdict is as expected', async () => {
    const out = join(tmp, 'ok');
    const lines: string[] = [];
    const code = await runClaims({ claimsFile: claimsFile('ok', ['21', '27', '38']), configsDir: CONFIGS_DIR, out, log: (l) => lines.push(l), seedBase: 3 });
    expect(code).toBe(0);
    const file = JSON.parse(readFileSync(join(out, 'claims', 'verdicts.json'), 'utf8')) as VerdictsFile;
    expect(file.counts).toEqual({ identity: { holds: 1, fails: 1 }, empirical: { reproduced: 0, 'not reproduced': 0, inconclusive: 0 }, untestable: 1 });
    expect(file.seedBase).toBe(3);
    expect(file.unexpected).toEqual([]);
    expect(file.cpuSec).toBeGreaterThan(0);
    expect(file.claims.map((c) => [c.id, c.kind, c.verdict])).toEqual([['21', 'identity', 'holds'], ['27', 'identity', 'fails'], ['38', 'untestable', 'untestable']]);
    expect(lines.at(-1)).toMatch(/^claims: identities 1 hold, 1 fail; empirical 0 reproduced, 0 not reproduced, 0 inconclusive; 1 untestable/);
  });

  it('exits 1 when a claim does better than expected, naming it', async () => {
    const lines: string[] = [];
    const code = await runClaims({ claimsFile: claimsFile('better', ['21'], { '21': 'fails' }), configsDir: CONFIGS_DIR, out: join(tmp, 'better'), log: (l) => lines.push(l) });
    expect(code).toBe(1);
    expect(lines).toContain('claims: verdict differs from the expected one: 21');
    expect(lines.find((l) => l.startsWith('  21'))).toMatch(/holds +\(EXPECTED fails\)/);
  });

  it('exits 1 when a claim does worse than expected', async () => {
    const code = await runClaims({ claimsFile: claimsFile('worse', ['27'], { '27': 'holds' }), configsDir: CONFIGS_DIR, out: join(tmp, 'worse'), log: () => {} });
    expect(code).toBe(1);
  });

  it('answers a bad --seed-base and an unknown claim id as bad input', async () => {
    const lines: string[] = [];
    expect(await runClaims({ seedBase: -1, out: join(tmp, 'bad'), log: (l) => lines.push(l) })).toBe(2);
    expect(await runClaims({ only: ['99z'], out: join(tmp, 'bad'), log: (l) => lines.push(l) })).toBe(2);
    expect(lines[0]).toBe('--seed-base: -1 is not allowed; give an integer from 0 to 100000 (tuning seeds start above it)');
    expect(lines[1]).toMatch(/^--only 99z: no such claim; claims: 1, 2, 3, /);
  });

  it('takes --seed-base from the command line', async () => {
    const r = await gradflow(['claims', '--only', '21', '--seed-base', '7', '--out', join(tmp, 'cli')]);
    expect(r.code).toBe(0);
    expect((JSON.parse(readFileSync(join(tmp, 'cli', 'claims', 'verdicts.json'), 'utf8')) as VerdictsFile).seedBase).toBe(7);
  });
});
