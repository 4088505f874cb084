import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, root } from '../../../test/support/cli.harness.js';

describe('invalidator usage', () => {
  it.each([
    [[], 2],
    [['frobnicate'], 2],
    [['validate'], 2],
    [['validate', '--rules', 'rules', '--bogus'], 2],
    [['graph', '--rules', 'rules', '--format', 'png'], 2],
    [['--help'], 0],
  ])('exits with a usage code for %j', async (argv, code) => {
    const run = await cli(argv);
    expect(run.code).toBe(code);
    expect(code === 0 ? run.stdout : run.stderr).toContain('Usage:');
  });
});

describe('invalidator graph and schema', () => {
  it('prints mermaid by default and dot on request', async () => {
    expect((await cli(['graph', '--rules', `${root}rules`])).stdout).toMatch(/^flowchart LR\n/);
    expect((await cli(['graph', '--rules', `${root}rules`, '--format', 'dot'])).stdout).toMatch(
      /^digraph rules \{/,
    );
  });

  it('prints the committed JSON Schema', async () => {
    const run = await cli(['schema']);
    expect(JSON.parse(run.stdout)).toEqual(
      JSON.parse(readFileSync(`${root}schema/rules.schema.json`, 'utf8')),
    );
  });
});
