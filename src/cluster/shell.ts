/** Text for bash scripts: quoting and the names Slurm accepts in `#SBATCH` lines. */

/** `s` as one bash word: single-quoted, each `'` written as `'\''`. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,+@%-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Paths that may stand unquoted in an `#SBATCH` line (Slurm splits those lines on blanks and has
 * no quoting of its own that every version honours).
 */
export const SBATCH_PATH = /^[A-Za-z0-9_./+@,:=-]+$/;

/** A Slurm partition list: `gpu`, `short,long`. */
export const PARTITION = /^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/;

/**
 * A Slurm time limit (sbatch --time): minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or
 * UNLIMITED / INFINITE.
 */
export const TIME_LIMIT = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE|unlimited|infinite)$/;
