import { describe, expect, it } from 'vitest';
import type { CliDatabase } from './cli-deps.js';
import { cli, root } from '../../../test/support/cli.harness.js';

describe('invalidator validate', () => {
  it('exits 0 on the demo rules', async () => {
    const run = await cli(['validate', '--rules', `${root}rules`]);
    expect(run).toEqual({
      code: 0,
      stdout: 'rules valid: 1 file(s), 3 entities, 4 rules, 2 cascade edge(s)\n',
      stderr: '',
    });
  });

  it('exits 0 but warns on stderr about a pattern on an update', async () => {
    const run = await cli([
      'validate',
      '--rules',
      `${root}apps/cli/src/testdata/pattern-on-update.yaml`,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'rules valid: 1 file(s), 1 entities, 1 rules, 0 cascade edge(s), 1 warning(s)\n',
    );
    expect(run.stderr).toMatch(
      /^warning: \S+pattern-on-update\.yaml:9:9 rule "product-search" invalidate\[0\]\.pattern: pattern "search:\*" on product\.updated scans the whole keyspace/,
    );
  });

  it('exits 1 with every problem on stderr, one per line', async () => {
    const run = await cli(['validate', '--rules', `${root}apps/cli/src/testdata/invalid.yaml`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /invalid\.yaml:7:10 rule "a" rules\[0\]\.on\[0\]: expected "<entity>\./,
      ),
      expect.stringMatching(
        /invalid\.yaml:9:18 rule "a" rules\[0\]\.invalidate\[0\]\.pattern: expected a Redis glob/,
      ),
      '2 problem(s) found',
    ]);
  });

  it('exits 1 when the rules path does not exist', async () => {
    const run = await cli(['validate', '--rules', '/nonexistent/rules']);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'invalidator: RULES_UNREADABLE: /nonexistent/rules: no such file or directory\n',
    });
  });

  it('checks against the database when given a URL, and reports its problems', async () => {
    const database: CliDatabase = {
      describeTable: (table) =>
        Promise.resolve(
          table === 'public.brands'
            ? null
            : {
                columns: ['id', 'name', 'price', 'category_id', 'brand_id', 'parent_id'],
                identityColumns: ['id'],
                replicaIdentity: 'full',
              },
        ),
      describeLookup: () => Promise.resolve({ columns: ['id', 'category_id', 'brand_id'] }),
      run: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
    const run = await cli(
      ['validate', '--rules', `${root}rules`, '--database-url', 'postgres://x'],
      { database },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('table public.brands does not exist');
  });
});
