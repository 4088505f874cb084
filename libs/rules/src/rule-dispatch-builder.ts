import type { CompiledRule } from './rule-set-types.js';
import { EVENT_VERBS } from './rules-schema.js';
import { parseEventName } from './event-name.js';

// `<entity>.*` covers every verb except snapshot reads, which invalidate only when named.
const WILDCARD_VERBS = EVENT_VERBS.filter((verb) => verb !== 'read');

/** Precomputes event name → rules so that evaluation is one map lookup. */
export function buildDispatch(
  rules: readonly CompiledRule[],
): (event: string) => readonly CompiledRule[] {
  const byEvent = new Map<string, CompiledRule[]>();
  const wildcard = new Map<string, CompiledRule[]>();
  const add = (map: Map<string, CompiledRule[]>, name: string, rule: CompiledRule) => {
    const list = map.get(name) ?? [];
    if (!list.includes(rule)) list.push(rule);
    map.set(name, list);
  };
  for (const rule of rules) {
    for (const selector of rule.on) {
      const { entity, op: verb } = parseEventName(selector);
      if (verb !== '*') add(byEvent, selector, rule);
      else {
        add(wildcard, entity, rule);
        for (const v of WILDCARD_VERBS) add(byEvent, `${entity}.${v}`, rule);
      }
    }
  }
  // Keep declaration order when a rule reached an event through both a name and a wildcard.
  const order = new Map(rules.map((rule, index) => [rule, index]));
  for (const list of [...byEvent.values(), ...wildcard.values()]) {
    list.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    Object.freeze(list);
  }
  const none: readonly CompiledRule[] = Object.freeze([]);
  return (event) => {
    const named = byEvent.get(event);
    if (named !== undefined) return named;
    const { entity, op: verb } = parseEventName(event);
    // Domain events may carry verbs of their own (`product.published`): only wildcards match them.
    if (verb === '' || (EVENT_VERBS as readonly string[]).includes(verb)) return none;
    return wildcard.get(entity) ?? none;
  };
}
