import { describe, expect, it } from 'vitest';
import { cli, root } from '../../../test/support/cli.harness.js';

describe('invalidator why', () => {
  it('prints every match and exits 0', async () => {
    const run = await cli(['why', '--rules', `${root}rules`, 'brand:3:products']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const output = JSON.parse(run.stdout) as { key: string; matches: { rule: string }[] };
    expect(output.key).toBe('brand:3:products');
    expect(output.matches.map((m) => m.rule)).toEqual([
      'product-pages',
      'product-bulk',
      'brand-pages',
    ]);
  });

  it('exits 1 with an empty list when nothing can produce the key', async () => {
    const run = await cli(['why', '--rules', `${root}rules`, 'session:1']);
    expect(run).toEqual({ code: 1, stdout: '{"key":"session:1","matches":[]}\n', stderr: '' });
  });

  it('exits 2 without exactly one key or without --rules', async () => {
    expect((await cli(['why', '--rules', `${root}rules`])).code).toBe(2);
    expect((await cli(['why', '--rules', `${root}rules`, 'a', 'b'])).code).toBe(2);
    expect((await cli(['why', 'product:1'])).code).toBe(2);
  });
});

describe('invalidator coverage and scaffold usage', () => {
  it('exits 2 on bad options before touching Redis or the database', async () => {
    const rules = ['--rules', `${root}rules`];
    const bad = [
      ['coverage', ...rules],
      ['coverage', ...rules, '--redis-url', 'redis://x', '--redis-cluster-nodes', 'x:1'],
      ['coverage', ...rules, '--redis-url', 'redis://x', '--sample', '-3'],
      ['coverage', ...rules, '--redis-cluster-nodes', 'nohost'],
      ['scaffold'],
      ['scaffold', '--database-url', 'not a url'],
      ['scaffold', '--database-url', 'postgres://h/db', '--key-prefix', '{x}'],
    ];
    for (const argv of bad) {
      const run = await cli(argv);
      expect({ argv, code: run.code }).toEqual({ argv, code: 2 });
      expect(run.stderr).toContain('Usage:');
    }
  });

  it('scaffolds from the catalog port and prints warnings on stderr', async () => {
    const run = await cli(['scaffold', '--database-url', 'postgres://u:secret@db:5432/shop'], {
      schemaCatalog: {
        describeSchemas: (schemas) =>
          Promise.resolve({
            tables: schemas.map((schema) => ({
              schema,
              name: 'items',
              columns: ['id'],
              primaryKey: ['id'],
              replicaIdentity: 'default' as const,
              published: null,
            })),
            foreignKeys: [],
            publication: null,
          }),
        close: () => Promise.resolve(),
      },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('catalog of db:5432/shop');
    expect(run.stdout).not.toContain('secret');
    expect(run.stdout).toContain("- key: 'item:{id}'");
    expect(run.stderr).toMatch(/^invalidator: warning: public\.items has REPLICA IDENTITY DEFAULT/);
  });
});
