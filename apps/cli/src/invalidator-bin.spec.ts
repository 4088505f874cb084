import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const bin = join(root, 'bin/invalidator.js');
const built = existsSync(join(root, 'dist/apps/cli/src/main.js'));
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', input });

describe('bin/invalidator.js', () => {
  it('prints a one-line hint and exits 2 when dist is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'invalidator-bin-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(bin, join(dir, 'bin/invalidator.js'));
    const result = spawnSync(process.execPath, [join(dir, 'bin/invalidator.js'), 'validate'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'invalidator: dist/apps/cli/src/main.js is missing; run `npm run build` first\n',
    );
  });

  // Runs against the build (`npm run build`); skipped in a checkout that has not been built.
  it.skipIf(!built)('runs the built CLI: validate, explain and a usage error', () => {
    expect(run(['validate', '--rules', 'rules'])).toMatchObject({ status: 0, stderr: '' });
    const explained = run([
      'explain',
      '--rules',
      'rules',
      '--topic',
      'catalog.public.products',
      '--event',
      'test/fixtures/debezium/hand-product-create-bigint.json',
    ]);
    expect(explained.status).toBe(0);
    expect(explained.stdout).toContain('"product:9223372036854775807"');
    const bad = run(['explain', '--rules', 'rules', '--topic', 't', '--event', '-'], '{"op":');
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(run(['graph']).status).toBe(2);
  });
});
