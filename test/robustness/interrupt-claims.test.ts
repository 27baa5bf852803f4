/**
 * SIGINT while `gradflow claims` trains: the suite stops after a clean shutdown, exits 130,
 * says so, and writes no verdicts (a missing run would otherwise be judged as a failed one).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { start, STACK_FRAME, tmp, waitFor } from './helpers.js';

describe('SIGINT in the middle of the claims training', () => {
  it('exits 130, says so, and writes no verdicts or report', async () => {
    const out = tmp();
    const runs = join(out, 'claims', 'runs');
    // Claim 41 trains the 50-layer nets of remedy-relu50 (12 runs of about a second or more each).
    const run = start(['claims', '--only', '41', '--workers', '1', '--out', out]);
    await waitFor('a claims run under way', () => existsSync(runs) && readdirSync(runs).length > 0, 120_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(`${r.stdout}${r.stderr}`).toMatch(/interrupted; no verdicts written/);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(join(out, 'claims', 'verdicts.json'))).toBe(false);
    expect(existsSync(join(out, 'claims', 'report.html'))).toBe(false);
  }, 180_000);
});
