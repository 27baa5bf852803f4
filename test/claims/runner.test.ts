/**
 * Training the claims' studies (src/claims/runner.ts): every study in turn, and a stop (the
 * claims command's SIGINT or SIGTERM) that ends the training cleanly with no later study begun.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainArms } from '../../src/claims/runner.js';
import type { ClaimsFile } from '../../src/claims/schema.js';
import { writeConfig } from '../helpers/cli.js';

const BASE = {
  name: 'base',
  data: { kind: 'moons', samples: 120 },
  model: { depth: 1, width: 4, activation: 'tanh', init: 'glorot_normal' },
  train: { steps: 5, batchSize: 16, lr: 0.1 },
  metrics: { every: 5, probe: 16, histogramsEvery: null },
};

/** Two studies of one arm each on BASE, one seed: just the fields trainArms reads. */
function claimsFile(): ClaimsFile {
  const study = (description: string) => ({ config: 'base.json', seeds: 1, description, gate: null, arms: { plain: { set: {} } } });
  return { studies: { first: study('first'), second: study('second') } } as unknown as ClaimsFile;
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'gradflow-claims-runner-'));
  writeConfig(dir, BASE, 'base.json');
  return { dir, configsDir: dir, workers: 1, seedBase: 0, reports: false };
}

describe('trainArms', () => {
  it('trains every study in turn and reads its arms back', async () => {
    const o = setup();
    const lines: string[] = [];
    const arms = await trainArms(claimsFile(), ['first/plain', 'second/plain'], { ...o, log: (l) => lines.push(l) });
    expect(arms === null ? null : [...arms.keys()]).toEqual(['first/plain', 'second/plain']);
    expect(arms?.get('second/plain')?.cells.map((c) => c.summary?.status)).toEqual(['ok']);
    expect(lines.filter((l) => l.includes('claims: study'))).toHaveLength(2);
  });

  it('stops on the abort signal: the study under way trains nothing more, no later study begins, and it answers null', async () => {
    const o = setup();
    const stop = new AbortController();
    const lines: string[] = [];
    // The first study announces itself after preparing and before it trains: stop there.
    const log = (l: string): void => {
      lines.push(l);
      if (l.includes('claims: study first')) stop.abort();
    };
    expect(await trainArms(claimsFile(), ['first/plain', 'second/plain'], { ...o, log, abort: stop.signal })).toBeNull();
    expect(lines.some((l) => l.includes('claims: study second'))).toBe(false);
    const runs = join(o.dir, 'runs');
    const trained = existsSync(runs) ? readdirSync(runs).flatMap((e) => readdirSync(join(runs, e)).filter((c) => existsSync(join(runs, e, c, 'summary.json')))) : [];
    expect(trained).toEqual([]);
  });
});
