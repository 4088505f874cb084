import type {
  ApplyOptions,
  InvalidationApplier,
  InvalidationCounts,
  InvalidationPlan,
} from '#invalidation';

/**
 * TEST ONLY (`INVALIDATOR_TEST_DROP_KEYS`): an applier that silently skips the keys matching
 * `pattern`, simulating a lost invalidation (a bug, a lost event) so tests can see the
 * consistency checker report it. The processor and the checker still see the full plan.
 */
export class KeyDroppingApplier implements InvalidationApplier {
  constructor(
    private readonly inner: InvalidationApplier,
    private readonly pattern: RegExp,
  ) {}

  apply(plan: InvalidationPlan, options?: ApplyOptions): Promise<InvalidationCounts> {
    const kept = (key: string) => !this.pattern.test(key);
    return this.inner.apply(
      {
        ...plan,
        keys: plan.keys.filter(kept),
        ...(plan.versions === undefined
          ? {}
          : { versions: plan.versions.filter((v) => kept(v.key)) }),
      },
      options,
    );
  }
}
