import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // One lab for the whole end-to-end suite; the machine has two cores, so files run one at a time.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/lab/lab.test.ts'],
          globalSetup: ['test/unit-setup.ts'],
          setupFiles: ['test/kubectl-path.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/lab/lab.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          setupFiles: ['test/kubectl-path.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
