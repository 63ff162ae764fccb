import { defineConfig } from 'vitest/config';

// `unit` may fake the cluster and runs in `npm test`; `browser` renders reports in headless
// Chromium (.ci/run installs it); `cluster` runs against the real local cluster (.cluster/kubeconfig) in .ci/run; `teardown` takes that cluster down and checks nothing remains.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{ci,helpers,reports,agent,cli,suites,test}/**/*.test.ts'],
          exclude: ['**/*.cluster.test.ts', '**/*.teardown.test.ts', '**/*.browser.test.ts', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'browser',
          include: ['reports/**/*.browser.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['{ci,test}/**/*.cluster.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'teardown',
          include: ['ci/**/*.teardown.test.ts'],
          testTimeout: 300_000,
        },
      },
    ],
  },
});
