import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from '#local-pipeline';
import { locateDeployTool, runTool } from '../deploy-tool.locator.js';

// The alert rules: promtool accepts them, every alert has a test that fires it and one that
// does not (promtool runs them), and a runbook section in docs/operations.md.

const promtool = locateDeployTool('promtool');
const rulesFile = repoPath('deploy', 'prometheus', 'invalidator.rules.yml');
const testsFile = repoPath('deploy', 'prometheus', 'tests', 'invalidator.rules.test.yml');

interface RuleFile {
  groups: {
    name: string;
    rules: { alert?: string; expr: string; annotations?: Record<string, string> }[];
  }[];
}
interface TestFile {
  tests: {
    name: string;
    alert_rule_test?: { alertname: string; exp_alerts: unknown[] | null }[];
  }[];
}

const alerts = (parse(readFileSync(rulesFile, 'utf8')) as RuleFile).groups
  .flatMap((g) => g.rules)
  .filter((r) => r.alert !== undefined);

describe('alert rules deploy/prometheus/invalidator.rules.yml', () => {
  it('has a firing and a silent promtool case for every alert', () => {
    const cases = (parse(readFileSync(testsFile, 'utf8')) as TestFile).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    );
    expect(alerts.length).toBeGreaterThan(0);
    for (const { alert } of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length > 0),
        `${String(alert)} fires`,
      ).toBe(true);
      expect(
        mine.some((c) => (c.exp_alerts ?? []).length === 0),
        `${String(alert)} silent`,
      ).toBe(true);
    }
  });

  it('links every alert to its runbook section in docs/operations.md', () => {
    const operations = readFileSync(repoPath('docs', 'operations.md'), 'utf8');
    for (const { alert, annotations } of alerts) {
      const name = String(alert);
      expect(operations, `### ${name} in docs/operations.md`).toContain(`\n### ${name}\n`);
      expect(annotations?.runbook_url).toMatch(
        new RegExp(`docs/operations\\.md#${name.toLowerCase()}$`),
      );
    }
  });

  describe.skipIf(promtool.path === undefined)(
    `promtool${promtool.path === undefined ? ` (skipped: ${promtool.missing})` : ''}`,
    { timeout: 60_000 },
    () => {
      const run = (args: string[]) => runTool(promtool.path ?? 'promtool', args);

      it('passes promtool check rules', () => {
        const result = run(['check', 'rules', rulesFile]);
        expect(result.status, result.stdout + result.stderr).toBe(0);
        expect(result.stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
      });

      it('passes promtool test rules', () => {
        const result = run(['test', 'rules', testsFile]);
        expect(result.status, result.stdout + result.stderr).toBe(0);
      });
    },
  );
});
