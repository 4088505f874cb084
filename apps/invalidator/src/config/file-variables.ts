import { readFileSync } from 'node:fs';

/** The variables' values after `_FILE` indirection, plus the problems found on the way. */
export interface ResolvedVariables {
  /** Trimmed values by name; unset and empty variables are absent. */
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly problems: readonly string[];
}

/**
 * Reads each of `names` from `env`, or from the file named by `<NAME>_FILE` (the way container
 * platforms mount secrets): the file's content with one trailing newline removed. Values are then
 * trimmed and an empty value counts as unset, as for plain variables. Setting both forms (an
 * empty plain value does not count), an unreadable file and a `_FILE` variable for a name the
 * service does not read are problems.
 */
export function resolveFileVariables(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ResolvedVariables {
  const values: Record<string, string | undefined> = {};
  const problems: string[] = [];
  for (const name of names) {
    const plain = normalize(env[name]);
    const path = env[`${name}_FILE`]?.trim();
    if (path === undefined || path === '') {
      values[name] = plain;
    } else if (plain !== undefined) {
      problems.push(`${name} and ${name}_FILE are both set: expected only one of them`);
    } else {
      values[name] = readValue(name, path, readFile, problems);
    }
  }
  problems.push(...unknownFileVariables(env, names));
  return { values, problems };
}

function readValue(
  name: string,
  path: string,
  readFile: (path: string) => string,
  problems: string[],
): string | undefined {
  try {
    return normalize(readFile(path).replace(/\r?\n$/, ''));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    problems.push(
      `${name}_FILE=${path}: cannot read the file (${reason}): expected a readable file`,
    );
    return undefined;
  }
}

function normalize(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

function unknownFileVariables(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): string[] {
  const known = new Set(names.map((name) => `${name}_FILE`));
  return Object.keys(env)
    .filter((key) => key.startsWith('INVALIDATOR_') && key.endsWith('_FILE') && !known.has(key))
    .sort()
    .map(
      (key) =>
        `${key} is set but the service reads no ${key.slice(0, -'_FILE'.length)}: expected the _FILE form of a variable in the README`,
    );
}
