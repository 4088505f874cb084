#!/usr/bin/env node
// Runs the built CLI; the TypeScript sources are compiled by `npm run build`.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const main = fileURLToPath(new URL('../dist/apps/cli/src/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write(
    'invalidator: dist/apps/cli/src/main.js is missing; run `npm run build` first\n',
  );
  process.exit(2);
}
await import(pathToFileURL(main).href);
