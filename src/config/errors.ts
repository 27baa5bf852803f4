/**
 * The error of bad config input: a file that cannot be read, a flag that cannot be applied, a
 * config that does not validate. It carries every message at once; the CLI prints them and
 * exits with code 2 (bad input), writing nothing.
 */
import { invalidConfig } from '../messages.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The file or label the config came from. */
  readonly origin: string;
  /** One line each, sorted by the path they name. */
  readonly messages: readonly string[];

  constructor(origin: string, messages: readonly string[]) {
    super(
      messages.length === 1 && messages[0].startsWith(origin)
        ? messages[0]
        : [invalidConfig(origin, messages.length), ...messages.map((m) => `  ${m}`)].join('\n'),
    );
    this.origin = origin;
    this.messages = messages;
  }
}
