import type { CompiledRule, CompiledTarget, RuleSet } from './rule-set-types.js';
import type { CompiledTemplate } from './template-compiler.js';
import { matchTemplate, type Bindings, type MatchTemplateOptions } from './template-matcher.js';

/** One rule target that can produce a key, as `invalidator why` prints it. */
export interface KeyOrigin {
  readonly rule: string;
  /**
   * The events that invalidate the key through this target: the rule's `on` selectors as written,
   * then the selectors of rules whose cascades reach this rule's entity (a cascaded row is an
   * `<entity>.updated` event), transitively.
   */
  readonly events: readonly string[];
  /** The target kind; `cascade` when the key matched a cascade's fallback. */
  readonly target: string;
  readonly template: string;
  readonly bindings: Bindings;
}

/** Finds the part of a key a target kind's template must render, with the rest of the key. */
type KindMatcher = (
  template: CompiledTemplate,
  key: string,
  options: MatchTemplateOptions,
) => Bindings[];

const whole: KindMatcher = (template, key, options) => matchTemplate(template, key, options);

/** A namespace's keys read `<namespace>:g<generation>:<rest>`: the template renders `<namespace>`. */
const namespace: KindMatcher = (template, key, options) => {
  const found: Bindings[] = [];
  for (const marker of key.matchAll(/:g\d+:/g)) {
    found.push(...matchTemplate(template, key.slice(0, marker.index), options));
  }
  return found;
};

/**
 * How a key is matched per target kind. Keys must equal the rendered text; tags are matched by
 * text too, for the common convention of filing an entry under a tag named like its key; patterns
 * match as Redis globs. A kind missing here (a newer target kind) matches nothing until added.
 */
const MATCHERS: Readonly<Record<string, KindMatcher>> = {
  key: whole,
  tag: whole,
  pattern: whole,
  namespace,
};

/**
 * Answers "what changes invalidate this key?": every rule target (keys, tags, patterns,
 * namespaces, cascade fallbacks) whose template can render `key`, with the placeholder values
 * that do it. Pure: reads only the compiled rules.
 *
 * @example findKeyOrigins(demo, 'product:123') // [{ rule: 'product-pages', target: 'key', template: 'product:{id}', bindings: { id: '123' }, ... }, ...]
 */
export function findKeyOrigins(
  ruleSet: RuleSet,
  key: string,
  options: MatchTemplateOptions = {},
): KeyOrigin[] {
  const origins: KeyOrigin[] = [];
  for (const rule of ruleSet.rules) {
    for (const target of rule.targets) {
      const { kind, template } = templateOf(target) ?? {};
      if (kind === undefined || template === undefined) continue;
      const matcher = MATCHERS[kind];
      if (matcher === undefined) continue;
      for (const bindings of matcher(template, key, options)) {
        origins.push({
          rule: rule.name,
          events: eventsReaching(ruleSet, rule),
          target: target.kind,
          template: template.source,
          bindings,
        });
      }
    }
  }
  return origins;
}

function templateOf(
  target: CompiledTarget,
): { kind: string; template: CompiledTemplate } | undefined {
  if (target.kind !== 'cascade') return { kind: target.kind, template: target.template };
  if (target.fallback === null) return undefined;
  return { kind: target.fallback.kind, template: target.fallback.template };
}

/** The rule's own selectors, then those of every rule that cascades into it, transitively. */
function eventsReaching(ruleSet: RuleSet, rule: CompiledRule): string[] {
  const events = new Set<string>(rule.on);
  const seen = new Set<string>([rule.name]);
  const queue: CompiledRule[] = [rule];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const entity of next.entities) {
      if (!handlesUpdated(next, entity)) continue;
      for (const source of ruleSet.rules) {
        if (seen.has(source.name) || !cascadesTo(source, entity)) continue;
        seen.add(source.name);
        source.on.forEach((event) => events.add(event));
        queue.push(source);
      }
    }
  }
  return [...events];
}

function handlesUpdated(rule: CompiledRule, entity: string): boolean {
  return rule.on.includes(`${entity}.updated`) || rule.on.includes(`${entity}.*`);
}

function cascadesTo(rule: CompiledRule, entity: string): boolean {
  return rule.targets.some((t) => t.kind === 'cascade' && t.entity === entity);
}
