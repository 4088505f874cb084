export { compileRules } from './rule-compiler.js';
export { parseEventName, type EventNameParts } from './event-name.js';
export { ruleSetWarnings } from './rule-set-warnings.js';
export { loadRules, readRuleSources } from './rules-loader.js';
export type { RuleSource } from './yaml-source-parser.js';
export type {
  CascadeEdge,
  CascadeFallback,
  CascadeTarget,
  CompiledRule,
  CompiledTarget,
  EntityDefinition,
  RuleSet,
  TemplateKind,
  TemplateTarget,
} from './rule-set-types.js';
export type { CompiledTemplate, ImageName, Placeholder } from './template-compiler.js';
export { matchTemplate, type Bindings, type MatchTemplateOptions } from './template-matcher.js';
export { findKeyOrigins, type KeyOrigin } from './key-origin-finder.js';
export {
  evaluate,
  type CascadeRequest,
  type EvaluateOptions,
  type Evaluation,
  type Skipped,
  type SkippedRule,
} from './rule-evaluator.js';
export type { LookupParam, SkippedTarget, SkipReason } from './template-renderer.js';
export {
  expand,
  type CascadeLookup,
  type CascadeRun,
  type ExpandOptions,
  type Expansion,
} from './cascade-expander.js';
export { graph, type GraphFormat } from './graph-renderer.js';
export { rulesJsonSchema, type RulesFile } from './rules-schema.js';
export {
  CascadeLimitError,
  CascadeLookupError,
  DatabaseQueryError,
  DatabaseUnavailableError,
  formatProblem,
  MAX_TARGET_BYTES,
  RuleRenderError,
  RuleTargetTooLongError,
  RuleValueMissingError,
  RulesInvalidError,
  RulesUnreadableError,
  type RuleProblem,
  type SourceLocation,
} from './rules.errors.js';
export { checkAgainstDatabase, type RulesCatalog, type TableInfo } from './database-checker.js';
export type {
  CatalogForeignKey,
  CatalogTable,
  SchemaCatalog,
  SchemaDescription,
} from './schema-catalog-port.js';
export { scaffoldRules, type Scaffold, type ScaffoldOptions } from './rules-scaffolder.js';
export { PgDatabase, type PgDatabaseOptions } from './pg-database-adapter.js';
export {
  explainEvaluation,
  explainExpansion,
  explainMessage,
  type ExplainedCascade,
  type ExplainOutput,
} from './explain-formatter.js';
