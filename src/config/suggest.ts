/**
 * "Did you mean" for names and keys: the nearest candidate by edit distance, offered only when
 * it is close enough to be a likely typo.
 */

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and transpositions of
 * two adjacent characters each cost 1 ("rleu" -> "relu" is 1). Case-insensitive.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const m = s.length;
  const n = t.length;
  // d[i][j]: distance between s[0, i) and t[0, j); three rows are enough for transpositions.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

/** The largest distance still taken for a typo of a word of this length: 1 up to 5 letters, then a third of it. */
const tolerance = (len: number): number => Math.max(1, Math.floor(len / 3));

/**
 * The candidate closest to `given` by edit distance when within `tolerance`, else a candidate
 * that `given` (3+ characters) is a prefix of when exactly one is; ties go to the earlier
 * candidate. Undefined when nothing is close, or when `given` is itself a candidate.
 */
export function nearest(given: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(given, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  // Distance 0 is a difference of case only ("Tanh" -> "tanh"); the name itself needs no hint.
  if (best === given) return undefined;
  if (best !== undefined && bestD <= tolerance(given.length)) return best;
  if (given.length >= 3) {
    const g = given.toLowerCase();
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(g));
    if (prefixed.length === 1) return prefixed[0];
  }
  return undefined;
}

/** "batch_size", "Batch-Size" and "batchSize" all become "batchsize". */
const squash = (s: string): string => s.toLowerCase().replace(/[_\-\s]/g, '');

/** First letter of each word of a camelCase or snake_case key: "learningRate" -> "lr". */
const initials = (s: string): string =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_\-.]+/)
    .filter(Boolean)
    .map((w) => w[0].toLowerCase())
    .join('');

/**
 * The key of `keys` that `given` most likely meant: the same key spelt in another case style
 * (batch_size -> batchSize), a key that abbreviates it by initials (learningRate -> lr), or the
 * nearest by edit distance.
 */
export function nearestKey(given: string, keys: readonly string[]): string | undefined {
  const sq = squash(given);
  const sameSquashed = keys.find((k) => squash(k) === sq && k !== given);
  if (sameSquashed !== undefined) return sameSquashed;
  const init = initials(given);
  if (init.length >= 2) {
    const byInitials = keys.find((k) => k.toLowerCase() === init);
    if (byInitials !== undefined) return byInitials;
  }
  return nearest(given, keys);
}
