// Renders deploy/helm/invalidator/README.md: the hand-written README.md.gotmpl with its
// `{{ values }}` marker replaced by a table of every value documented in values.yaml (a
// `# -- description` comment above a key). `node deploy/helm/render-readme.mjs` writes it;
// `--check` exits 1 when the README is out of date (a unit test runs that).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';

const chart = join(dirname(fileURLToPath(import.meta.url)), 'invalidator');

/**
 * Rows `{ key, value, description }` for every key with a `# -- ` comment block right above it,
 * in file order. Read line by line (YAML parsers attach comments to varying nodes); block
 * scalars and list items are skipped, the defaults come from the parsed file.
 */
export function documentedValues(text) {
  const values = parse(text);
  const rows = [];
  const stack = []; // { indent, key }
  let doc = null;
  let scalarIndent = -1;
  for (const line of text.split('\n')) {
    const indent = line.length - line.trimStart().length;
    const trimmed = line.trim();
    if (scalarIndent >= 0) {
      if (trimmed === '' || indent > scalarIndent) continue;
      scalarIndent = -1;
    }
    if (trimmed.startsWith('# -- ')) {
      doc = [trimmed.slice(5)];
      continue;
    }
    if (trimmed.startsWith('#')) {
      if (doc !== null && trimmed.startsWith('# ') && !/^# [A-Z_]+:/.test(trimmed)) {
        doc.push(trimmed.slice(2));
      } else doc = null;
      continue;
    }
    const match = /^(\s*)([A-Za-z_][\w.-]*):(.*)$/.exec(line);
    if (match === null) {
      if (trimmed !== '') doc = null;
      continue;
    }
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    const key = match[2];
    const path = [...stack.map((s) => s.key), key];
    if (doc !== null) {
      rows.push({ key: path.join('.'), value: lookup(values, path), description: doc.join(' ') });
      doc = null;
    }
    stack.push({ indent, key });
    if (/[|>][-+]?\s*$/.test(match[3])) scalarIndent = indent;
  }
  return rows;
}

function lookup(object, path) {
  return path.reduce((node, key) => (node == null ? undefined : node[key]), object);
}

function cell(text) {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function render(rows) {
  const lines = ['| key | default | description |', '| --- | --- | --- |'];
  for (const { key, value, description } of rows) {
    const json = JSON.stringify(value ?? null);
    const shown = json.length > 60 ? `see values.yaml` : `\`${cell(json)}\``;
    lines.push(`| \`${key}\` | ${shown} | ${cell(description)} |`);
  }
  return lines.join('\n');
}

const values = readFileSync(join(chart, 'values.yaml'), 'utf8');
const template = readFileSync(join(chart, 'README.md.gotmpl'), 'utf8');
const target = join(chart, 'README.md');
// Formatted as `npm run check` wants it, so the check below compares like with like.
const readme = await format(template.replace('{{ values }}', render(documentedValues(values))), {
  ...(await resolveConfig(target)),
  filepath: target,
});

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: out of date
  }
  if (current !== readme) {
    console.error(`${target} is out of date: run node deploy/helm/render-readme.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(target, readme);
  console.log(`wrote ${target}`);
}
