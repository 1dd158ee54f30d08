import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (file: string): string => fileURLToPath(new URL(`./src/${file}`, import.meta.url))

export default defineConfig({
  // `kubewalk` by name (as an author's project imports it) is this checkout's source in its tests.
  resolve: {
    alias: [
      { find: /^kubewalk$/, replacement: src('index.ts') },
      { find: /^kubewalk\/testing$/, replacement: src('testing/index.ts') },
      { find: /^kubewalk\/parse$/, replacement: src('core/parse/index.ts') },
    ],
  },
  test: {
    // One lab for the whole end-to-end suite; the machine has two cores, so files run one at a time.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/platform/lab/lab.test.ts'],
          globalSetup: ['test/unit-setup.ts'],
          setupFiles: ['test/kubectl-path.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/platform/lab/lab.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          setupFiles: ['test/kubectl-path.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
