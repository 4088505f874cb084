import type { SampledKey } from '#redis-invalidation';
import { findKeyOrigins, type RuleSet } from '#rules';

/** One key family of the report. */
export interface CoverageFamily {
  readonly family: string;
  readonly count: number;
  readonly example: string;
  readonly covered: boolean;
  /** Rules with a target that can produce the example, in rule order. */
  readonly by: readonly string[];
  /** Over the family's keys with an expiry (null when none has one); `none`: keys without. */
  readonly ttl: { readonly min: number | null; readonly max: number | null; readonly none: number };
}

/** What `invalidator coverage` prints. */
export interface CoverageReport {
  readonly sampled: number;
  /** By count, largest first, then by family. */
  readonly families: readonly CoverageFamily[];
  /** Sampled keys in families no rule covers. */
  readonly uncovered: number;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * The family of a key: ids abstracted to `{}` so keys of one kind group together. UUIDs anywhere,
 * then per `:`-separated segment: all digits, or a long token of letters and digits (hex, base64
 * ids), become `{}`; digit runs inside other segments too (`page2` → `page{}`).
 *
 * @example keyFamily('product:123') === 'product:{}'
 * @example keyFamily('category:5:products') === 'category:{}:products'
 */
export function keyFamily(key: string): string {
  return key
    .replace(UUID, '{}')
    .split(':')
    .map((segment) => {
      if (/^-?\d+$/.test(segment)) return '{}';
      if (/^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{16,}$/.test(segment)) return '{}';
      return segment.replace(/\d+/g, '{}');
    })
    .join(':');
}

/** Groups sampled keys into families and asks the rules whether each family's example is covered. */
export function coverageReport(ruleSet: RuleSet, sampled: readonly SampledKey[]): CoverageReport {
  const groups = new Map<string, SampledKey[]>();
  for (const entry of sampled) {
    const family = keyFamily(entry.key);
    const group = groups.get(family) ?? [];
    group.push(entry);
    groups.set(family, group);
  }
  const families = [...groups].map(([family, keys]) => describeFamily(ruleSet, family, keys));
  families.sort(
    (a, b) => b.count - a.count || (a.family < b.family ? -1 : a.family > b.family ? 1 : 0),
  );
  const uncovered = families.filter((f) => !f.covered).reduce((sum, f) => sum + f.count, 0);
  return { sampled: sampled.length, families, uncovered };
}

function describeFamily(
  ruleSet: RuleSet,
  family: string,
  keys: readonly SampledKey[],
): CoverageFamily {
  const example = keys[0]?.key ?? '';
  const by = [...new Set(findKeyOrigins(ruleSet, example).map((origin) => origin.rule))];
  const ttls = keys.flatMap((k) => (k.ttlSeconds === null ? [] : [k.ttlSeconds]));
  return {
    family,
    count: keys.length,
    example,
    covered: by.length > 0,
    by,
    ttl: {
      min: ttls.length > 0 ? Math.min(...ttls) : null,
      max: ttls.length > 0 ? Math.max(...ttls) : null,
      none: keys.length - ttls.length,
    },
  };
}
