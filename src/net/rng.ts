/**
 * Seeded random streams. Every draw in gradflow comes from one of these; the global unseeded generator is never
 * used under src/ (a test greps for it).
 *
 * createRng(seed) gives a root stream; `fork(name)` derives an independent, named stream
 * ("init", "data", "shuffle", "probe", ...) so that, for example, changing the batch order
 * never changes the initial weights. Seed 0 is an ordinary seed.
 *
 * The generator is seedrandom's Alea: fast, 32-bit state, and reproducible across platforms.
 */
import seedrandom from 'seedrandom';

export interface Rng {
  /** The key this stream was derived from ("0", "0/init", "0/init/layer3"). */
  readonly key: string;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal N(0, 1), Box-Muller. */
  normal(): number;
  /** Integer uniform in [0, n). */
  int(n: number): number;
  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T;
  /** An independent stream derived from this one's key and `name`; does not advance this one. */
  fork(name: string): Rng;
}

export function createRng(seed: number | string): Rng {
  return makeRng(String(seed));
}

function makeRng(key: string): Rng {
  const prng = seedrandom.alea(key);
  let spare: number | null = null;
  const next = (): number => prng();
  const rng: Rng = {
    key,
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = next();
      while (u <= 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int: (n) => Math.floor(next() * n),
    shuffle(arr) {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = arr[i];
        arr[i] = arr[j];
        arr[j] = t;
      }
      return arr;
    },
    fork: (name) => makeRng(`${key}/${name}`),
  };
  return rng;
}
