#!/usr/bin/env node
// Entry point: registers tsx so the TypeScript sources run directly (no separate build step
// to forget), then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
