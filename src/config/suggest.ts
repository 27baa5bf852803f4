/**
 * "Did you mean" for config keys and paths. Names and paths use the registries' `nearest`
 * (src/net/params.ts); a key may also be the same key in another case style or abbreviated.
 */
import { nearest } from '../net/params.js';

export { editDistance, nearest } from '../net/params.js';

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
