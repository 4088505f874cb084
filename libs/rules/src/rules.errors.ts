import { InvalidatorError } from '#errors';

/** Where in which rule file something is, 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One thing wrong with the rules, pointing at the file, line, column, rule and field. */
export interface RuleProblem extends SourceLocation {
  /** The rule's name, when the problem is inside a rule that has one. */
  readonly rule: string | null;
  /** Dotted path of the field, for example `rules[0].invalidate[1].key`. */
  readonly field: string;
  /** What is wrong and what was expected. */
  readonly message: string;
}

/** `file:line:column rule "name" field: message`, the format editors and CI understand. */
export function formatProblem(problem: RuleProblem): string {
  const rule = problem.rule === null ? '' : ` rule "${problem.rule}"`;
  const field = problem.field === '' ? '' : ` ${problem.field}`;
  return `${problem.file}:${problem.line}:${problem.column}${rule}${field}: ${problem.message}`;
}

/** A problem at a known position. */
export function problemAt(
  location: SourceLocation,
  rule: string | null,
  field: string,
  message: string,
): RuleProblem {
  return { ...location, rule, field, message };
}

/** `file:line:column`, for messages that point at another definition. */
export function where(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** Every problem found while loading (and optionally checking) rules; never retriable. */
export class RulesInvalidError extends InvalidatorError {
  readonly problems: readonly RuleProblem[];

  constructor(problems: readonly RuleProblem[]) {
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    super(
      'RULES_INVALID',
      `rules are invalid (${count}):\n${problems.map(formatProblem).join('\n')}`,
      {
        retriable: false,
      },
    );
    this.problems = problems;
  }
}

/** The rules path cannot be read (missing, unreadable, holds no rule files). */
export class RulesUnreadableError extends InvalidatorError {
  constructor(path: string, detail: string, cause?: unknown) {
    super('RULES_UNREADABLE', `${path}: ${detail}`, { retriable: false, cause });
  }
}

/** A rule cannot render a value of this event (an object, array, float or boolean placeholder). */
export class RuleRenderError extends InvalidatorError {
  readonly rule: string;

  constructor(rule: string, detail: string) {
    super('RULE_RENDER_FAILED', `rule "${rule}": ${detail}`, { retriable: false });
    this.rule = rule;
  }
}

/**
 * A rule needs a column the event's row does not give: Debezium's placeholder for an unchanged
 * TOASTed column with no before-image to take it from (`RULE_VALUE_UNAVAILABLE`), or a column
 * missing from a full after-image, i.e. dropped or renamed under the connector
 * (`RULE_COLUMN_MISSING`). Rendering without it would skip a key that must go, so the event is
 * dead-lettered instead.
 */
export class RuleValueMissingError extends InvalidatorError {
  readonly rule: string;
  readonly column: string;

  constructor(
    code: 'RULE_VALUE_UNAVAILABLE' | 'RULE_COLUMN_MISSING',
    rule: string,
    column: string,
    detail: string,
  ) {
    super(code, `rule "${rule}": ${detail}`, { retriable: false });
    this.rule = rule;
    this.column = column;
  }
}

/** A key, tag or pattern rendered longer than {@link MAX_TARGET_BYTES}. */
export class RuleTargetTooLongError extends InvalidatorError {
  readonly rule: string;

  constructor(rule: string, detail: string) {
    super('RULE_TARGET_TOO_LONG', `rule "${rule}": ${detail}`, { retriable: false });
    this.rule = rule;
  }
}

/**
 * Longest key, tag or pattern a rule may render, in UTF-8 bytes. Redis accepts up to 512 MB, but a
 * target this long means a rule put a document (a TOASTed text column) into a name.
 */
export const MAX_TARGET_BYTES = 4096;

/** A cascade exceeded its depth or fan-out bound and its rule declares no fallback. */
export class CascadeLimitError extends InvalidatorError {
  readonly rule: string;

  constructor(rule: string, detail: string) {
    super('CASCADE_LIMIT_EXCEEDED', `rule "${rule}": ${detail}`, {
      retriable: false,
    });
    this.rule = rule;
  }
}

/** A cascade lookup failed; retriable unless the port said otherwise (e.g. a SQL error). */
export class CascadeLookupError extends InvalidatorError {
  readonly rule: string;

  constructor(rule: string, detail: string, options: { retriable: boolean; cause?: unknown }) {
    super('CASCADE_LOOKUP_FAILED', `rule "${rule}": lookup failed: ${detail}`, options);
    this.rule = rule;
  }
}

/** The database for checks or lookups cannot be reached. */
export class DatabaseUnavailableError extends InvalidatorError {
  constructor(detail: string, cause?: unknown) {
    super('DATABASE_UNAVAILABLE', `database unavailable: ${detail}`, { retriable: true, cause });
  }
}

/** A query failed; retriable when its SQLSTATE says the failure is transient. */
export class DatabaseQueryError extends InvalidatorError {
  readonly sqlState: string | null;

  constructor(detail: string, sqlState: string | null, retriable: boolean, cause?: unknown) {
    super('DATABASE_QUERY_FAILED', detail, { retriable, cause });
    this.sqlState = sqlState;
  }
}
