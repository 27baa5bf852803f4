/**
 * Writes experiments/schema.json, the JSON Schema of a config file (for editors: configs point
 * to it with "$schema"), from the zod schema in src/config/schema.ts. A test fails when the
 * committed file is stale. Run: npx tsx scripts/gen-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaFileText } from '../src/config/schema.js';

const file = fileURLToPath(new URL('../experiments/schema.json', import.meta.url));
writeFileSync(file, schemaFileText());
console.log(`wrote ${file}`);
