import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rulesJsonSchema } from './index.js';

describe('schema/rules.schema.json', () => {
  it('is the JSON Schema generated from the zod schema (regenerate with npm run rules:schema)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../../schema/rules.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(rulesJsonSchema());
  });

  it('is draft-07 and closed to unknown fields', () => {
    const schema = rulesJsonSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
  });
});
