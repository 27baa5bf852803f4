import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/**
 * True when `source` uses Math.random in code. Comments are dropped first, so a doc comment may
 * say that Math.random is banned (src/net/rng.ts does); a `//` right after a non-space (a URL in
 * a string) is not taken for a comment.
 */
function usesMathRandom(source: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  return /\bMath\s*(\.\s*random\b|\[\s*['"`]random['"`]\s*\])/.test(code);
}

describe('Math.random under src/', () => {
  it('is caught by the detector in code but not in comments', () => {
    expect(usesMathRandom('const u = Math.random();')).toBe(true);
    expect(usesMathRandom('const u = Math[ "random" ]();')).toBe(true);
    expect(usesMathRandom('const r = Math\n  .random;')).toBe(true);
    expect(usesMathRandom('const url = "https://x"; const u = Math.random();')).toBe(true);
    expect(usesMathRandom('/** never use `Math.random` */\n// nor Math.random\nconst u = rng.next();')).toBe(false);
  });

  it('appears in no file under src/', () => {
    const files = filesUnder(SRC);
    expect(files.length).toBeGreaterThan(5);
    const offenders = files
      .filter((f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f))
      .filter((f) => usesMathRandom(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders, `Math.random found in: ${offenders.join(', ')}`).toEqual([]);
  });
});
