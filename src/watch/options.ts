/**
 * The flags of `gradflow watch` and `gradflow run --watch`, kept apart from the server so that the
 * CLI registers them without loading it (the server pulls in the report renderer).
 */
import type { Argv } from 'yargs';

export const DEFAULT_PORT = 8765;
export const DEFAULT_HOST = '127.0.0.1';

export function listenOptions(y: Argv): Argv {
  return y
    .option('port', { type: 'string', describe: `port of the live view (default ${DEFAULT_PORT}, or any free one when it is taken; 0: any free port)` })
    .option('host', { type: 'string', describe: `address the live view listens on (default ${DEFAULT_HOST}: this machine only)` });
}
