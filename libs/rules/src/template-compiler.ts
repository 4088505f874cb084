/** Which row image a placeholder reads; `null` means every image the event has. */
export type ImageName = 'before' | 'after';

/** A `{col}`, `{before.col}` or `{after.col}` reference. */
export interface Placeholder {
  readonly column: string;
  readonly image: ImageName | null;
  /** As written, without braces, for messages. */
  readonly text: string;
}

/** A template parsed once at load; rendering only concatenates. */
export interface CompiledTemplate {
  readonly source: string;
  /** Literal text around the placeholders: `literals.length === placeholders.length + 1`. */
  readonly literals: readonly string[];
  readonly placeholders: readonly Placeholder[];
  /** Whether placeholder values are glob-escaped (patterns). */
  readonly glob: boolean;
  /** Whether any placeholder reads "every image", so the template renders once per image. */
  readonly perImage: boolean;
}

const PLACEHOLDER = /\{((?:(?:before|after)\.)?([A-Za-z_][A-Za-z0-9_]*))\}/g;

/** Parses `product:{id}` into literals and placeholders. The schema has already checked syntax. */
export function compileTemplate(source: string, glob: boolean): CompiledTemplate {
  const literals: string[] = [];
  const placeholders: Placeholder[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    literals.push(source.slice(last, match.index));
    placeholders.push(parsePlaceholder(match[1] ?? ''));
    last = match.index + match[0].length;
  }
  literals.push(source.slice(last));
  return Object.freeze({
    source,
    literals: Object.freeze(literals),
    placeholders: Object.freeze(placeholders),
    glob,
    perImage: placeholders.some((p) => p.image === null),
  });
}

/** Parses `col`, `before.col` or `after.col`. */
export function parsePlaceholder(text: string): Placeholder {
  const dot = text.indexOf('.');
  if (dot === -1) return Object.freeze({ column: text, image: null, text });
  const image = text.slice(0, dot) === 'before' ? 'before' : 'after';
  return Object.freeze({ column: text.slice(dot + 1), image, text });
}
