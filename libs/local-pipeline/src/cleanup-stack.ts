/**
 * Undo steps, run last-in first-out; every step runs even when an earlier one fails, so a setup
 * that failed half-way is undone as far as it got.
 */
export class CleanupStack {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];

  /** Registers the undo of something that now exists. */
  push(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  /** Runs every step once; returns the failures (named) instead of throwing them. */
  async runAll(): Promise<string[]> {
    const failures: string[] = [];
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        failures.push(`${step.what}: ${(error as Error).message}`);
      }
    }
    return failures;
  }

  /** {@link runAll}, then throws an `AggregateError` naming every failed step. */
  async runAllOrThrow(): Promise<void> {
    const failures = await this.runAll();
    if (failures.length > 0)
      throw new AggregateError(failures, `cleanup failed: ${failures.join('; ')}`);
  }
}
