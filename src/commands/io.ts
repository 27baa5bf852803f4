/**
 * What a command gets from the CLI: where its output goes, and the exit codes it answers with
 * (DESIGN.md): 0 done; 1 a run failed (a cell failed or diverged, the output could not be
 * written, another run holds the experiment folder) or a check regressed; 2 bad input (config,
 * flag, file, a model too large for memory), with nothing written; 130 interrupted (SIGINT or
 * SIGTERM, after a clean shutdown); 141 a run stopped cleanly because its stdout was closed
 * (`gradflow run ... | head -1`).
 */

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** 128 + SIGINT, the shell's convention for a run stopped by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;
/** 128 + SIGPIPE: a run stopped because the reader of its output went away (`| head -1`). */
export const EXIT_PIPE_CLOSED = 141;

export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILED | typeof EXIT_BAD_INPUT | typeof EXIT_INTERRUPTED | typeof EXIT_PIPE_CLOSED;

export interface Io {
  /** A line to stdout (dropped once stdout is closed). */
  readonly log: (line: string) => void;
  /** Lines to stderr, each prefixed `gradflow: `. */
  readonly fail: (lines: readonly string[]) => void;
  /** Calls `stop` when stdout is closed by its reader, until the returned function is called. */
  readonly onStdoutClosed: (stop: () => void) => () => void;
}
