/**
 * Shared by the robustness suite: the CLI helpers of test/helpers/cli.ts, and readers that check
 * what a run left on disk.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export { BIN, gradflow, ROOT, shell, start, tmp, writeConfig, type CliResult, type Running } from '../helpers/cli.js';

/** A stack frame as Node prints it (`    at fn (file.ts:12:5)`). */
export const STACK_FRAME = /^\s+at .+[:(].*\d+:\d+\)?$/m;

/** Every file under `dir`, relative, sorted (empty when `dir` does not exist). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, prefix: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
      else out.push(`${prefix}${name}`);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * The records of an ndjson file, after checking it holds complete lines only: it is empty or
 * ends in a newline, and every line parses as JSON.
 */
export function completeLines(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`${path}: the last line is incomplete: ${JSON.stringify(text.slice(-80))}`);
  return text.slice(0, -1).split('\n').map((line, i) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new Error(`${path}: line ${i + 1} is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
    }
  });
}

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Polls `check` every `everyMs` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000, everyMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined | false;
    try {
      v = check();
    } catch {
      v = undefined;
    }
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Non-empty lines of an ndjson file (0 when missing). */
export function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').length;
}

/** summary.json without the fields that measure time, which differ between any two runs. */
export function timeless(summary: Record<string, unknown>): Record<string, unknown> {
  const { timeSec: _t, stepsPerSec: _s, ...rest } = summary;
  return rest;
}
