import { parseEventName } from './event-name.js';
import type { RuleSet } from './rule-set-types.js';
import { problemAt, type RuleProblem } from './rules.errors.js';

// Row events arrive all the time; a pattern SCANs the whole keyspace for each of them.
const FREQUENT_VERBS = new Set(['created', 'updated', 'deleted', '*']);

/**
 * Things that load but will hurt in production, as problems to print as warnings (never to fail
 * on): today, a `pattern` target on a frequent row event (`created`, `updated`, `deleted` or `*`),
 * whose sweep costs a scan of the whole keyspace per event. A namespace or a tag does the same
 * job in O(1) or O(members); patterns stay right for truncates and rare events.
 */
export function ruleSetWarnings(ruleSet: RuleSet): RuleProblem[] {
  const warnings: RuleProblem[] = [];
  for (const rule of ruleSet.rules) {
    const frequent = rule.on.filter((selector) => FREQUENT_VERBS.has(parseEventName(selector).op));
    if (frequent.length === 0) continue;
    rule.targets.forEach((target, j) => {
      if (target.kind !== 'pattern') return;
      warnings.push(
        problemAt(
          target.location,
          rule.name,
          `invalidate[${j}].pattern`,
          `pattern "${target.template.source}" on ${frequent.join(', ')} scans the whole keyspace for every such event; prefer a namespace (one INCR) or a tag, and keep patterns for truncates and rare events (docs/rules.md)`,
        ),
      );
    });
  }
  return warnings;
}
