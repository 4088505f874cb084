import { z } from 'zod';

/** The single source of truth for the rule format: validation, types and the published JSON Schema. */

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const PLACEHOLDER = `\\{(?:(?:before|after)\\.)?${IDENT}\\}`;
const TEMPLATE = new RegExp(`^(?:[^{}]|${PLACEHOLDER})+$`);
// A wildcard, escape or placeholder as first character would let data or a glob reach every key.
const PATTERN = new RegExp(`^[^*?[\\\\{}](?:[^{}]|${PLACEHOLDER})*$`);
// A namespace names a family of keys (`<namespace>:g<generation>:…`): no glob specials, and a
// literal first so that data alone cannot choose the family.
const NAMESPACE = new RegExp(`^[^*?[\\]\\\\{}](?:[^*?[\\]\\\\{}]|${PLACEHOLDER})*$`);
const PARAM = new RegExp(`^(?:(?:before|after)\\.)?${IDENT}$`);
const VERBS = ['created', 'updated', 'deleted', 'read', 'truncated'] as const;

const templateText =
  'a template such as "product:{id}" ({col}, {before.col} or {after.col}; no other braces)';

export const entityName = z.string().regex(/^[a-z][a-z0-9_]*$/, {
  error: 'expected an entity name in lower_snake_case, e.g. "product"',
});

const column = z
  .string()
  .regex(new RegExp(`^${IDENT}$`), { error: 'expected a column name such as "category_id"' });

const template = z.string().regex(TEMPLATE, { error: `expected ${templateText}` });

const patternTemplate = z.string().regex(PATTERN, {
  error:
    'expected a Redis glob starting with at least one literal character, e.g. "search:*" ' +
    '(a leading *, ?, [, \\ or {placeholder} could match the whole cache)',
});

export const entitySchema = z
  .strictObject({
    table: z.string().regex(new RegExp(`^${IDENT}\\.${IDENT}$`), {
      error: 'expected a schema-qualified table such as "public.products"',
    }),
    columns: z.array(column).min(1).optional().meta({
      description: 'Optional column list; when given, placeholders are checked against it.',
    }),
    version: column.optional().meta({
      description:
        'A column that increases with every committed change of the row (an integer or a ' +
        "timestamp). Keys this entity's rules delete then leave a marker carrying it, so the " +
        'cache client refuses fills older than the change.',
    }),
  })
  .meta({ description: 'An entity: one table whose changes the rules react to.' });

const namespaceTemplate = z.string().regex(NAMESPACE, {
  error:
    'expected a namespace name such as "search" or "category:{id}" (a template without ' +
    'glob characters * ? [ ] or \\, starting with a literal character)',
});

const fallbackSchema = z
  .union(
    [
      z.strictObject({ tag: template }),
      z.strictObject({ namespace: namespaceTemplate }),
      z.strictObject({ pattern: patternTemplate }),
    ],
    { error: 'expected exactly one of "tag", "namespace" or "pattern"' },
  )
  .meta({ description: 'What to invalidate when the cascade exceeds its depth or fan-out bound.' });

export const cascadeSchema = z.strictObject({
  entity: entityName.meta({ description: 'The entity whose rows the lookup returns.' }),
  lookup: z
    .string()
    .regex(/^\s*(?:select|with)\s/i, {
      error: 'expected a parameterised SELECT query using $1, $2, …',
    })
    .meta({ description: 'Parameterised SQL ($1, $2, …) returning rows of the target entity.' }),
  params: z
    .array(z.string().regex(PARAM, { error: 'expected a placeholder such as "id" or "before.id"' }))
    .meta({ description: 'Placeholders of the triggering row bound to $1, $2, … in order.' }),
  fallback: fallbackSchema.optional(),
});

export const targetSchema = z.union(
  [
    z.strictObject({ key: template.meta({ description: 'A Redis key to delete.' }) }),
    z.strictObject({ tag: template.meta({ description: 'A tag whose member keys are deleted.' }) }),
    z.strictObject({
      namespace: namespaceTemplate.meta({
        description:
          'A key family whose generation counter is bumped (INCR __ns:<namespace>): O(1) whatever its size.',
      }),
    }),
    z.strictObject({
      pattern: patternTemplate.meta({ description: 'A Redis glob, run with SCAN.' }),
    }),
    z.strictObject({ cascade: cascadeSchema }),
  ],
  { error: 'expected exactly one of "key", "tag", "namespace", "pattern" or "cascade"' },
);

export const whenSchema = z.strictObject({
  changed: z
    .array(column)
    .min(1)
    .meta({ description: 'Updates apply only when one of these columns changed.' }),
});

export const ruleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
    error: 'expected a rule name in lower-kebab-case, e.g. "product-pages"',
  }),
  description: z.string().optional(),
  on: z
    .array(
      z.string().regex(new RegExp(`^[a-z][a-z0-9_]*\\.(?:${VERBS.join('|')}|\\*)$`), {
        error: `expected "<entity>.<${VERBS.join('|')}>" or "<entity>.*"`,
      }),
    )
    .min(1, { error: 'expected at least one event' }),
  when: whenSchema.optional(),
  invalidate: z.array(targetSchema).min(1, { error: 'expected at least one target' }),
});

export const rulesFileSchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected version: 1' }),
    entities: z.record(entityName, entitySchema).optional(),
    rules: z.array(ruleSchema).optional(),
  })
  .meta({
    title: 'Invalidator rules (version 1)',
    description:
      'Maps database changes to the cache keys, tags, namespaces and patterns they make stale.',
  });

export type RulesFile = z.infer<typeof rulesFileSchema>;
export type RuleDefinition = z.infer<typeof ruleSchema>;
export type TargetDefinition = z.infer<typeof targetSchema>;
export type CascadeDefinition = z.infer<typeof cascadeSchema>;
export const EVENT_VERBS = VERBS;
export type EventVerb = (typeof VERBS)[number];

/** The draft-07 JSON Schema published at `schema/rules.schema.json`, generated from the zod schema. */
export function rulesJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rulesFileSchema, { target: 'draft-7' });
}
