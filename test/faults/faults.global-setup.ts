import e2eSetup from '../support/stack.global-setup.js';

/**
 * The e2e tier's setup (build, stack up) and, at the end, the results table of the fault matrix
 * written beside the results file (`test/faults/results/latest.md`) and printed.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const teardown = await e2eSetup();
  return async () => {
    try {
      // Imported once the build exists, like the e2e setup does for #local-pipeline.
      const { writeResultsTable, resultsPath } = await import('../support/fault-results.js');
      const table = await writeResultsTable();
      if (table !== null) console.info(`\nFault matrix (${resultsPath()}):\n${table}\n`);
    } finally {
      await teardown();
    }
  };
}
