import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, readRuleSources, RulesInvalidError, RulesUnreadableError } from './index.js';

function dir(files: Record<string, string>): string {
  const path = mkdtempSync(join(tmpdir(), 'rules-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
  return path;
}

const entities = 'version: 1\nentities:\n  product: { table: public.products }\n';
const rules =
  'version: 1\nrules:\n  - name: p\n    on: [product.updated]\n    invalidate: [{ key: "p:{id}" }]\n';

describe('loadRules', () => {
  it('loads every *.yaml and *.yml file of a directory, in name order, ignoring others', async () => {
    const path = dir({
      'b.yml': rules,
      'a.yaml': entities,
      'notes.md': '# not rules',
      'c.json': '{}',
    });
    mkdirSync(join(path, 'nested.yaml'));
    const sources = await readRuleSources(path);
    expect(sources.map((s) => s.path)).toEqual([join(path, 'a.yaml'), join(path, 'b.yml')]);
    const ruleSet = await loadRules(path);
    expect(ruleSet.rules.map((r) => r.name)).toEqual(['p']);
  });

  it('loads a single file', async () => {
    const path = dir({ 'all.yaml': entities });
    expect((await loadRules(join(path, 'all.yaml'))).entities.has('product')).toBe(true);
  });

  it('reports problems of every file of a directory together', async () => {
    const path = dir({ 'a.yaml': 'version: 2\n', 'b.yaml': rules });
    const error = await loadRules(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RulesInvalidError);
    expect((error as RulesInvalidError).problems.map((p) => p.file)).toEqual([
      join(path, 'a.yaml'),
      join(path, 'b.yaml'),
    ]);
  });

  it('fails with RulesUnreadableError for a missing path or a directory without rule files', async () => {
    await expect(loadRules('/nonexistent/rules')).rejects.toThrow(RulesUnreadableError);
    await expect(loadRules(dir({ 'x.txt': '' }))).rejects.toMatchObject({
      code: 'RULES_UNREADABLE',
      retriable: false,
    });
  });
});
