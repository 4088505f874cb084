import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';

// One runner, three tiers: `unit` needs no servers; `e2e` and `faults` start the local stack once
// (global setup).
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    reporters: ['default', './test/support/summary.reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'libs/**/*.spec.ts',
            'apps/**/*.spec.ts',
            'deploy/**/*.spec.ts',
            'test/support/**/*.spec.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.spec.ts'],
          globalSetup: ['./test/support/stack.global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // The fault matrix (docs/reliability.md): slow, so `npm run faults`, not `npm test`.
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.faults.spec.ts'],
          globalSetup: ['./test/faults/faults.global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
