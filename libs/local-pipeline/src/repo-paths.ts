import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The repository root: the nearest directory above this file whose package.json is named
 * "invalidator". Walking up works from source (vitest), dist/ and dist/bench/ alike.
 */
export function repoRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 10; depth += 1) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'invalidator') return (root = dir);
    }
    dir = dirname(dir);
  }
  throw new Error('repository root (package.json named "invalidator") not found');
}

/** `parts` joined under the repository root: `repoPath('rules', 'catalog.yaml')`. */
export function repoPath(...parts: string[]): string {
  return join(repoRoot(), ...parts);
}
