import { escapeGlob } from '#cache-keys';
import type { ColumnValue, Row } from '#debezium';
import type { EntityEvent } from './entity-event.mapper.js';
import { RuleRenderError } from './rules.errors.js';
import type { CompiledTemplate, ImageName, Placeholder } from './template.compiler.js';

/** Why a template produced nothing for one image. */
export type SkipReason = 'null' | 'absent' | 'no-image' | 'unavailable';

/** A template (or cascade) that rendered nothing for one image, and why. */
export interface SkippedTarget {
  readonly rule: string;
  readonly target: 'key' | 'tag' | 'pattern' | 'cascade' | 'fallback';
  readonly template: string;
  /** The image that lacked the value; null when the event has no row at all (truncate). */
  readonly image: ImageName | null;
  readonly column: string;
  readonly reason: SkipReason;
}

/** A value passed to a cascade lookup: exact integers as bigint, everything else as text. */
export type LookupParam = string | bigint;

/** Debezium's stand-in for an unchanged TOASTed column it could not read. */
const UNAVAILABLE = '__debezium_unavailable_value';

type Resolved = { readonly value: string | bigint } | { readonly reason: SkipReason };

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
 */
export function renderTemplate(
  template: CompiledTemplate,
  scope: RenderScope,
  out: Set<string>,
): void {
  const { literals, placeholders } = template;
  for (const image of imagesFor(template.perImage, template.placeholders, template.source, scope)) {
    let text = literals[0] ?? '';
    let complete = true;
    for (let i = 0; i < placeholders.length; i++) {
      const placeholder = placeholders[i] as Placeholder;
      const resolved = resolve(placeholder, image, scope, template.source);
      if ('reason' in resolved) {
        complete = false;
        break;
      }
      const raw = typeof resolved.value === 'string' ? resolved.value : resolved.value.toString();
      text += (template.glob ? escapeGlob(raw) : raw) + (literals[i + 1] ?? '');
    }
    if (complete) out.add(text);
  }
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
      if ('reason' in resolved) break;
      tuple.push(resolved.value);
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
  const reason =
    row === null ? 'no-image' : Object.hasOwn(row, placeholder.column) ? undefined : 'absent';
  if (reason !== undefined || row === null)
    return skip(scope, source, image, placeholder.column, reason ?? 'no-image');
  const value = row[placeholder.column] ?? null;
  if (value === null) return skip(scope, source, image, placeholder.column, 'null');
  if (value === UNAVAILABLE) return skip(scope, source, image, placeholder.column, 'unavailable');
  if (typeof value === 'string' || typeof value === 'bigint') return { value };
  throw new RuleRenderError(
    scope.rule,
    `{${placeholder.text}} in "${source}" is ${describe(value)} in the ${image} image of ${scope.event.name}; only integers and strings render`,
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
  return { reason };
}

function describe(value: ColumnValue): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `a non-integer number (${String(value)})`;
  if (typeof value === 'boolean') return `a boolean (${String(value)})`;
  return 'an object';
}
