import { z } from 'zod';
import { MAX_TARGET_BYTES } from '#rules';

/** Most keys or tags one on-demand request may name; more is a batch job, not an admin call. */
export const MAX_ADMIN_TARGETS = 10_000;

const target = z
  .string()
  .min(1, 'expected a non-empty string')
  .max(MAX_TARGET_BYTES, `expected at most ${MAX_TARGET_BYTES} characters`);

const targets = z
  .array(target, { error: 'expected an array of non-empty strings' })
  .max(MAX_ADMIN_TARGETS, `expected at most ${MAX_ADMIN_TARGETS} items`)
  .default([]);

/** `POST /admin/invalidate` body: `{"keys": [...], "tags": [...]}`, nothing else. */
export const invalidateBodySchema = z.strictObject(
  { keys: targets, tags: targets },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unexpected field ${issue.keys.map((k) => `"${k}"`).join(', ')}: expected only "keys" and "tags"`
        : 'expected a JSON object {"keys": [...], "tags": [...]}',
  },
);

/** `?topic=` of `POST /admin/explain`: a Kafka topic name (at most 249 characters). */
export const explainTopicSchema = z
  .string({ error: 'query parameter "topic" is required' })
  .min(1, 'query parameter "topic" is required')
  .max(249, 'query parameter "topic" is longer than a Kafka topic name can be');
