import type { CompiledTemplate } from './template-compiler.js';

/** Placeholder text as written (`id`, `before.category_id`) → the value that renders the text. */
export type Bindings = Readonly<Record<string, string>>;

/** Bounds of {@link matchTemplate}: ambiguous templates such as `{a}:{b}` have many solutions. */
export interface MatchTemplateOptions {
  /** Distinct solutions returned at most. @default 16 */
  readonly maxSolutions?: number;
  /** Backtracking steps at most, so a pathological template cannot hang the caller. @default 100000 */
  readonly maxSteps?: number;
  /**
   * Characters no placeholder value holds. Rendering allows any string, but ids do not contain the
   * key separator, and without this `brand:{id}` would claim `brand:1:products` (id `1:products`).
   * @default ':'
   */
  readonly valueExcludes?: string;
}

type Token =
  | { readonly t: 'text'; readonly chars: readonly string[] }
  | { readonly t: 'star' }
  | { readonly t: 'one' }
  | { readonly t: 'class'; readonly negate: boolean; readonly ranges: readonly [string, string][] }
  | { readonly t: 'var'; readonly name: string };

const defaults = { maxSolutions: 16, maxSteps: 100_000, valueExcludes: ':' };

/**
 * Every assignment of placeholder values under which `template` renders to something that names
 * `text`: for keys and tags the rendered text equals `text`; for patterns (`template.glob`) the
 * rendered glob matches `text` the way Redis `SCAN MATCH` does, with placeholder values taken
 * literally (rendering glob-escapes them). A placeholder used twice binds one value. Values may be
 * empty (an empty string column renders as nothing) but hold none of `valueExcludes`. Works on
 * code points, as keys are text.
 *
 * @returns the distinct bindings, at most `maxSolutions`; `[]` when the template cannot produce it.
 */
export function matchTemplate(
  template: CompiledTemplate,
  text: string,
  options: MatchTemplateOptions = {},
): Bindings[] {
  const tokens = tokenize(template);
  const chars = Array.from(text);
  const limit = options.maxSolutions ?? defaults.maxSolutions;
  const excluded = new Set(Array.from(options.valueExcludes ?? defaults.valueExcludes));
  let steps = options.maxSteps ?? defaults.maxSteps;
  const found = new Map<string, Bindings>();
  const bound = new Map<string, string>();

  const go = (ti: number, pos: number): void => {
    if (found.size >= limit || --steps < 0) return;
    const token = tokens[ti];
    if (token === undefined) {
      if (pos === chars.length) {
        const bindings = Object.fromEntries(bound);
        found.set(JSON.stringify(bindings), bindings);
      }
      return;
    }
    switch (token.t) {
      case 'text':
        if (startsAt(chars, pos, token.chars)) go(ti + 1, pos + token.chars.length);
        return;
      case 'one':
        if (pos < chars.length) go(ti + 1, pos + 1);
        return;
      case 'class':
        if (pos < chars.length && inClass(token, chars[pos] ?? '')) go(ti + 1, pos + 1);
        return;
      case 'star':
        for (let end = pos; end <= chars.length; end++) go(ti + 1, end);
        return;
      case 'var':
        matchVariable(token.name, ti, pos);
        return;
    }
  };

  const matchVariable = (name: string, ti: number, pos: number): void => {
    const value = bound.get(name);
    if (value !== undefined) {
      const valueChars = Array.from(value);
      if (startsAt(chars, pos, valueChars)) go(ti + 1, pos + valueChars.length);
      return;
    }
    for (let end = pos; end <= chars.length; end++) {
      bound.set(name, chars.slice(pos, end).join(''));
      go(ti + 1, end);
      if (excluded.has(chars[end] ?? '')) break;
    }
    bound.delete(name);
  };

  go(0, 0);
  return [...found.values()];
}

function startsAt(chars: readonly string[], pos: number, part: readonly string[]): boolean {
  if (pos + part.length > chars.length) return false;
  return part.every((c, i) => chars[pos + i] === c);
}

function inClass(token: Extract<Token, { t: 'class' }>, char: string): boolean {
  const hit = token.ranges.some(([lo, hi]) => char >= lo && char <= hi);
  return token.negate ? !hit : hit;
}

function tokenize(template: CompiledTemplate): Token[] {
  const tokens: Token[] = [];
  template.literals.forEach((literal, i) => {
    if (template.glob) tokens.push(...globTokens(literal));
    else if (literal !== '') tokens.push({ t: 'text', chars: Array.from(literal) });
    const placeholder = template.placeholders[i];
    if (placeholder !== undefined) tokens.push({ t: 'var', name: placeholder.text });
  });
  return tokens;
}

/** Redis glob syntax (`stringmatchlen`): `*`, `?`, `[...]` with `^` and ranges, `\` escapes. */
function globTokens(glob: string): Token[] {
  const chars = Array.from(glob);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (c === '*') tokens.push({ t: 'star' });
    else if (c === '?') tokens.push({ t: 'one' });
    else if (c === '[') i = classToken(chars, i + 1, tokens);
    else if (c === '\\' && i + 1 < chars.length) tokens.push(textToken(chars[++i] ?? ''));
    else tokens.push(textToken(c));
  }
  return tokens;
}

function textToken(char: string): Token {
  return { t: 'text', chars: [char] };
}

/** Reads a class starting after `[`; returns the index of its `]` (or the end, as Redis does). */
function classToken(chars: readonly string[], start: number, tokens: Token[]): number {
  let i = start;
  const negate = chars[i] === '^';
  if (negate) i++;
  const ranges: [string, string][] = [];
  for (; i < chars.length && chars[i] !== ']'; i++) {
    const c = chars[i] ?? '';
    if (c === '\\' && i + 1 < chars.length) {
      const escaped = chars[++i] ?? '';
      ranges.push([escaped, escaped]);
    } else if (chars[i + 1] === '-' && i + 2 < chars.length) {
      const end = chars[i + 2] ?? '';
      ranges.push(c <= end ? [c, end] : [end, c]);
      i += 2;
    } else {
      ranges.push([c, c]);
    }
  }
  tokens.push({ t: 'class', negate, ranges });
  return i;
}
