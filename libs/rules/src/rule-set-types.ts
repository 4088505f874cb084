import type { SourceLocation } from './rules.errors.js';
import type { CompiledTemplate, Placeholder } from './template-compiler.js';

/** An entity: a name for one table. */
export interface EntityDefinition {
  readonly name: string;
  /** Schema-qualified, for example `public.products`. */
  readonly table: string;
  /** Declared columns, or null when the file declares none (then only the database can check). */
  readonly columns: readonly string[] | null;
  /** The version column (`version:`), or null when the entity's changes carry no version. */
  readonly version: string | null;
  readonly location: SourceLocation;
}

/** What a template target derives: a key, a tag, a namespace (key family) or a pattern. */
export type TemplateKind = 'key' | 'tag' | 'namespace' | 'pattern';

/** A key, tag, namespace or pattern a rule derives. */
export interface TemplateTarget {
  readonly kind: TemplateKind;
  readonly template: CompiledTemplate;
  readonly location: SourceLocation;
}

/** What a cascade invalidates instead when it exceeds its bounds. */
export interface CascadeFallback {
  readonly kind: Exclude<TemplateKind, 'key'>;
  readonly template: CompiledTemplate;
}

/** An edge of the dependency graph: rows of `entity` found by `lookup` are stale too. */
export interface CascadeTarget {
  readonly kind: 'cascade';
  readonly entity: string;
  readonly lookup: string;
  readonly params: readonly Placeholder[];
  readonly fallback: CascadeFallback | null;
  readonly location: SourceLocation;
}

export type CompiledTarget = TemplateTarget | CascadeTarget;

/** A rule with its templates parsed. */
export interface CompiledRule {
  readonly name: string;
  readonly description: string | null;
  /** Event selectors as written: `product.updated`, `product.*`. */
  readonly on: readonly string[];
  /** Entities named in `on`, unique, in order. */
  readonly entities: readonly string[];
  /** `when.changed`, or null when the rule has no filter. */
  readonly changed: readonly string[] | null;
  readonly targets: readonly CompiledTarget[];
  readonly location: SourceLocation;
}

/** A cascade edge of the graph, from the entity that changed to the entity looked up. */
export interface CascadeEdge {
  readonly from: string;
  readonly to: string;
  readonly rule: string;
}

/** The compiled, immutable rules: built once at load, evaluated for every event. */
export interface RuleSet {
  readonly files: readonly string[];
  readonly entities: ReadonlyMap<string, EntityDefinition>;
  /** `public.products` → `product`. */
  readonly entityByTable: ReadonlyMap<string, string>;
  /** Every rule, in file (sorted by path) then declaration order. */
  readonly rules: readonly CompiledRule[];
  readonly edges: readonly CascadeEdge[];
  /** The rules an event such as `product.updated` triggers, in declaration order. */
  rulesFor(event: string): readonly CompiledRule[];
}

/** A compiled definition with its position, before cross-file checks. */
export interface Located<T> {
  readonly value: T;
  readonly location: SourceLocation;
  /** Position of a field inside the definition. */
  readonly at: (path: readonly PropertyKey[]) => SourceLocation;
}
