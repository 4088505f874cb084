import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { RuleProblem } from './rules.errors.js';

/** A rule file's text, as the loader read it (or a test wrote it). */
export interface RuleSource {
  readonly path: string;
  readonly text: string;
}

/** One YAML file parsed to plain data, able to point at the line and column of any field. */
export interface ParsedSource {
  readonly path: string;
  readonly data: unknown;
  /** Problems of YAML syntax; when non-empty, `data` is undefined. */
  readonly problems: readonly RuleProblem[];
  locate(path: readonly PropertyKey[]): { line: number; column: number };
}

/** Parses YAML without ever throwing: syntax errors become problems with positions. */
export function parseYamlSource(source: RuleSource): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    logLevel: 'error',
  });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = (path: readonly PropertyKey[]) => position(offsetOf(doc.contents, path));
  const problem = (offset: number, message: string): RuleProblem => ({
    file: source.path,
    ...position(offset),
    rule: null,
    field: '',
    message,
  });
  const problems = doc.errors.map((error) => problem(error.pos[0], yamlMessage(error.message)));
  if (problems.length > 0) return { path: source.path, data: undefined, problems, locate };
  try {
    const data: unknown = doc.toJS({ maxAliasCount: 100 });
    return { path: source.path, data, problems, locate };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { path: source.path, data: undefined, problems: [problem(0, message)], locate };
  }
}

function yamlMessage(message: string): string {
  return `invalid YAML: ${message.split('\n')[0] ?? message}`;
}

/** Offset of the deepest node along `path`; a missing last key points at its parent. */
function offsetOf(root: Node | null, path: readonly PropertyKey[]): number {
  let node: unknown = root;
  let offset = rangeStart(root);
  for (const segment of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyOf(item.key) === String(segment));
      next = pair?.value ?? pair?.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (next === undefined || next === null) break;
    node = next;
    offset = rangeStart(next);
  }
  return offset;
}

function keyOf(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

function rangeStart(node: unknown): number {
  if (typeof node === 'object' && node !== null && 'range' in node && Array.isArray(node.range)) {
    const start: unknown = node.range[0];
    if (typeof start === 'number') return start;
  }
  return 0;
}
