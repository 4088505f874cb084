import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** One PromQL expression of a Grafana panel. */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  /** As written in the dashboard, with Grafana variables. */
  readonly expr: string;
}

/** One expression of a Prometheus rule file. */
export interface RuleExpression {
  readonly name: string;
  readonly expr: string;
}

interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: { refId?: string; expr?: string }[];
}
interface Dashboard {
  panels?: Panel[];
  templating?: { list?: { name: string; current?: { value?: string | string[] } }[] };
}

/** Every target expression of every panel, rows' nested panels included. */
export function dashboardQueries(dashboard: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  const visit = (panels: readonly Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr === undefined || target.expr.trim() === '') continue;
        out.push({
          panel: panel.title ?? '(untitled)',
          refId: target.refId ?? '?',
          expr: target.expr,
        });
      }
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels ?? []);
  return out;
}

/**
 * The expression as Grafana would send it: the dashboard's own variables at their saved current
 * value, and Grafana's interval variables at `interval`.
 * @throws Error naming any `$variable` left that the dashboard does not define.
 */
export function substituteVariables(expr: string, dashboard: Dashboard, interval: string): string {
  let out = expr
    .replaceAll('$__rate_interval', interval)
    .replaceAll('$__interval', interval)
    .replaceAll('$__range', interval);
  for (const variable of dashboard.templating?.list ?? []) {
    const current = variable.current?.value;
    const value = Array.isArray(current) ? current.join('|') : current;
    if (value === undefined) continue;
    out = out.replaceAll(`\${${variable.name}}`, value).replaceAll(`$${variable.name}`, value);
  }
  const left = /\$\{?\w+/.exec(out);
  if (left !== null) throw new Error(`${expr}: unknown dashboard variable ${left[0]}`);
  return out;
}

/** Reads a dashboard JSON file. */
export async function readDashboard(path: string): Promise<Dashboard> {
  return JSON.parse(await readFile(path, 'utf8')) as Dashboard;
}

/** Every alerting and recording rule's expression of a Prometheus rule file. */
export async function ruleExpressions(path: string): Promise<RuleExpression[]> {
  const file = parse(await readFile(path, 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return file.groups.flatMap((g) =>
    g.rules.map((r) => ({ name: r.alert ?? r.record ?? '(unnamed)', expr: r.expr })),
  );
}
