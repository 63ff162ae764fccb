import { defineConfig } from 'vitest/config';

// Two projects: `unit` may fake the cluster and runs in `npm test`;
// `cluster` runs against the real local cluster (.cluster/kubeconfig) in .ci/run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{ci,helpers,reports,agent,cli,test}/**/*.test.ts'],
          exclude: ['**/*.cluster.test.ts', 'node_modules/**'],
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
    ],
  },
});
