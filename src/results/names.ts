/**
 * Names and paths read back from a run's files are input like any other: `gradflow merge` writes
 * to `<out>/<experiment>` and `<out>/<experiment>/<cell id>`, and the reports and the claims read
 * `<exp>/<cell path>`. Each is held to what gradflow itself writes, so that no file can point a
 * command outside the folders it was given:
 *
 *   experiment   a config name: NAME_PATTERN, at most MAX_NAME_LENGTH characters
 *   cell id      one folder name: not empty, not "." or "..", no "/", "\" or control
 *                characters, at most MAX_CELL_ID_LENGTH characters
 *   cell path    a relative path of such folder names, below the experiment folder; resolved
 *                with its symbolic links (`cellFolder`), it must still lie inside that folder
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MAX_CELL_ID_LENGTH, MAX_NAME_LENGTH, NAME_PATTERN } from '../config/schema.js';
import * as msg from '../messages.js';
import { ResultsFileError } from './read-file.js';

/** Characters no name from a file may hold: control characters (NUL included) and both slashes. */
const FORBIDDEN = /[\u0000-\u001f\u007f/\\]/;

/** Why `v` cannot be an experiment name, or null. */
export function experimentNameProblem(v: string): string | null {
  if (NAME_PATTERN.test(v) && v.length <= MAX_NAME_LENGTH) return null;
  return msg.unsafeName('experiment', v, msg.experimentNameRule(MAX_NAME_LENGTH));
}

/** Why `v` cannot be a cell id (a folder name in the experiment folder), or null. */
export function cellIdProblem(v: string, at = 'id'): string | null {
  if (v !== '' && v !== '.' && v !== '..' && !FORBIDDEN.test(v) && v.length <= MAX_CELL_ID_LENGTH) return null;
  return msg.unsafeName(at, v, msg.cellIdRule(MAX_CELL_ID_LENGTH));
}

/** Why `v` cannot be a cell's path (relative to the experiment folder), or null. */
export function cellPathProblem(v: string, at = 'path'): string | null {
  const parts = v.split('/');
  const ok = parts.every((p) => p === '' || p === '.' || cellIdProblem(p) === null) &&
    !v.startsWith('/') && parts.some((p) => p !== '' && p !== '.') && v.length <= 4 * MAX_CELL_ID_LENGTH;
  return ok ? null : msg.unsafeName(at, v, msg.cellPathRule());
}

/** The real path of `p`: of its nearest existing ancestor when `p` does not exist (yet). */
function realPathOf(p: string): string {
  let rest = '';
  let at = resolve(p);
  for (;;) {
    try {
      return join(realpathSync(at), rest);
    } catch {
      const up = dirname(at);
      if (up === at) return resolve(p);
      rest = join(at.slice(up.length + (up.endsWith(sep) ? 0 : 1)), rest);
      at = up;
    }
  }
}

/**
 * The folder of the cell at `path` (field `at` of `indexFile`) inside `expDir`. Throws a refused
 * ResultsFileError when the path, its symbolic links followed, leads outside `expDir`.
 */
export function cellFolder(expDir: string, path: string, indexFile: string, at = 'path'): string {
  const problem = cellPathProblem(path, at);
  if (problem !== null) throw new ResultsFileError(indexFile, problem, true);
  const dir = resolve(expDir, path);
  const root = realPathOf(expDir);
  const rel = relative(root, realPathOf(dir));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new ResultsFileError(indexFile, msg.cellOutside(at, path), true);
  }
  return dir;
}
