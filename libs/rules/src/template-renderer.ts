import { escapeGlob } from '#cache-keys';
import { UNAVAILABLE_VALUE, type ColumnValue, type Row } from '#debezium';
import type { EntityEvent } from './entity-event-mapper.js';
import type { TemplateKind } from './rule-set-types.js';
import {
  MAX_TARGET_BYTES,
  RuleRenderError,
  RuleTargetTooLongError,
  RuleValueMissingError,
} from './rules.errors.js';
import type { CompiledTemplate, ImageName, Placeholder } from './template-compiler.js';

/** Why a template produced nothing for one image. */
export type SkipReason = 'null' | 'absent' | 'no-image';

/** A template (or cascade) that rendered nothing for one image, and why. */
export interface SkippedTarget {
  readonly rule: string;
  readonly target: TemplateKind | 'cascade' | 'fallback';
  readonly template: string;
  /** The image that lacked the value; null when the event has no row at all (truncate). */
  readonly image: ImageName | null;
  readonly column: string;
  readonly reason: SkipReason;
}

/** A value passed to a cascade lookup: exact integers as bigint, everything else as text. */
export type LookupParam = string | bigint;

/** A placeholder's value, or `SKIPPED` once {@link skip} recorded why there is none. */
type Resolved = string | bigint | typeof SKIPPED;
const SKIPPED = Symbol('skipped');

/** A UTF-16 code unit is at most 3 UTF-8 bytes: text this short cannot exceed the limit. */
const SURELY_SHORT = Math.floor(MAX_TARGET_BYTES / 3);

/** What rendering needs to know besides the template. */
export interface RenderScope {
  readonly rule: string;
  readonly target: SkippedTarget['target'];
  readonly event: EntityEvent;
  readonly skipped: SkippedTarget[];
}

/**
 * Renders once per image (or once when every placeholder names its image) into `out`.
 * @throws RuleRenderError when a value is neither an integer nor a string.
 * @throws RuleValueMissingError when a value the row should have is not there (see there).
 * @throws RuleTargetTooLongError when the result is longer than {@link MAX_TARGET_BYTES}.
 */
export function renderTemplate(
  template: CompiledTemplate,
  scope: RenderScope,
  out: Set<string>,
): void {
  const { literals, placeholders } = template;
  const single = placeholders[0];
  if (placeholders.length === 1 && single !== undefined) {
    renderSingle(template, single, scope, out);
    return;
  }
  for (const image of imagesFor(template.perImage, template.placeholders, template.source, scope)) {
    let text = literals[0] ?? '';
    let complete = true;
    for (let i = 0; i < placeholders.length; i++) {
      const placeholder = placeholders[i] as Placeholder;
      const resolved = resolve(placeholder, image, scope, template.source);
      if (resolved === SKIPPED) {
        complete = false;
        break;
      }
      const raw = typeof resolved === 'string' ? resolved : resolved.toString();
      text += (template.glob ? escapeGlob(raw) : raw) + (literals[i + 1] ?? '');
    }
    if (complete) out.add(checkedLength(text, scope, template.source));
  }
}

/**
 * {@link renderTemplate} for one placeholder, the common case: an image whose value is the same
 * as the previous image's (an update that kept the id) is not rendered again, its text is in
 * `out` already.
 */
function renderSingle(
  template: CompiledTemplate,
  placeholder: Placeholder,
  scope: RenderScope,
  out: Set<string>,
): void {
  let previous: Resolved = SKIPPED;
  for (const image of imagesFor(template.perImage, template.placeholders, template.source, scope)) {
    const resolved = resolve(placeholder, image, scope, template.source);
    if (resolved === SKIPPED || resolved === previous) continue;
    previous = resolved;
    const raw = typeof resolved === 'string' ? resolved : resolved.toString();
    const text = `${template.literals[0] ?? ''}${template.glob ? escapeGlob(raw) : raw}${template.literals[1] ?? ''}`;
    out.add(checkedLength(text, scope, template.source));
  }
}

function checkedLength(text: string, scope: RenderScope, source: string): string {
  if (text.length <= SURELY_SHORT) return text;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= MAX_TARGET_BYTES) return text;
  throw new RuleTargetTooLongError(
    scope.rule,
    `"${source}" rendered ${bytes} bytes for ${scope.event.name} (starting "${text.slice(0, 60)}…"); at most ${MAX_TARGET_BYTES} are allowed`,
  );
}

/** Renders cascade params: one tuple per image, distinct tuples only. */
export function renderParams(
  params: readonly Placeholder[],
  lookup: string,
  scope: RenderScope,
): LookupParam[][] {
  const perImage = params.some((p) => p.image === null);
  const tuples = new Map<string, LookupParam[]>();
  for (const image of imagesFor(perImage, params, lookup, scope)) {
    const tuple: LookupParam[] = [];
    for (const param of params) {
      const resolved = resolve(param, image, scope, lookup);
      if (resolved === SKIPPED) break;
      tuple.push(resolved);
    }
    if (tuple.length === params.length) tuples.set(tuple.map(String).join('\u0000'), tuple);
  }
  return [...tuples.values()];
}

function imagesFor(
  perImage: boolean,
  placeholders: readonly Placeholder[],
  source: string,
  scope: RenderScope,
): readonly (ImageName | null)[] {
  if (!perImage) return [null];
  if (scope.event.images.length > 0) return scope.event.images;
  const first = placeholders.find((p) => p.image === null);
  skip(scope, source, null, first?.column ?? '', 'no-image');
  return [];
}

function resolve(
  placeholder: Placeholder,
  fallbackImage: ImageName | null,
  scope: RenderScope,
  source: string,
): Resolved {
  const image = placeholder.image ?? fallbackImage ?? 'after';
  const row: Row | null = scope.event[image];
  if (row === null) return skip(scope, source, image, placeholder.column, 'no-image');
  if (!Object.hasOwn(row, placeholder.column)) {
    if (image === 'after' && scope.event.fullAfterImage === true) {
      throw missing('RULE_COLUMN_MISSING', placeholder, scope, source, 'is not in the after image');
    }
    return skip(scope, source, image, placeholder.column, 'absent');
  }
  const value = row[placeholder.column] ?? null;
  if (value === null) return skip(scope, source, image, placeholder.column, 'null');
  if (value === UNAVAILABLE_VALUE) {
    throw missing('RULE_VALUE_UNAVAILABLE', placeholder, scope, source, `is ${UNAVAILABLE_VALUE}`);
  }
  if (typeof value === 'string' || typeof value === 'bigint') return value;
  throw new RuleRenderError(
    scope.rule,
    `{${placeholder.text}} in "${source}" is ${describe(value)} in the ${image} image of ${scope.event.name}; only integers and strings render`,
  );
}

function missing(
  code: 'RULE_VALUE_UNAVAILABLE' | 'RULE_COLUMN_MISSING',
  placeholder: Placeholder,
  scope: RenderScope,
  source: string,
  what: string,
): RuleValueMissingError {
  const hint =
    code === 'RULE_VALUE_UNAVAILABLE'
      ? 'an unchanged TOASTed column; REPLICA IDENTITY FULL gives its value in the before-image'
      : 'was the column dropped or renamed? update the rules';
  return new RuleValueMissingError(
    code,
    scope.rule,
    placeholder.column,
    `{${placeholder.text}} in "${source}" ${what} of ${scope.event.name} (${hint})`,
  );
}

function skip(
  scope: RenderScope,
  template: string,
  image: ImageName | null,
  column: string,
  reason: SkipReason,
): Resolved {
  scope.skipped.push({ rule: scope.rule, target: scope.target, template, image, column, reason });
  return SKIPPED;
}

function describe(value: ColumnValue): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `a non-integer number (${String(value)})`;
  if (typeof value === 'boolean') return `a boolean (${String(value)})`;
  return 'an object';
}
