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
        // Hermetic: no lab, no kubectl. A kubectl stand-in that fails is first on PATH, so a test that reaches for
        // one fails here on every machine instead of passing on one that happens to have a kubectl.
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/platform/lab/lab.test.ts', 'test/**/*.kubectl.test.ts'],
          globalSetup: ['test/unit-setup.ts'],
          setupFiles: ['test/kubectl-path.ts', 'test/unit-env.ts'],
        },
      },
      {
        // What a real kubectl itself prints or does (against stand-in servers, no cluster): run with the lab's kubectl.
        extends: true,
        test: {
          name: 'lab-kubectl',
          include: ['test/**/*.kubectl.test.ts'],
          globalSetup: ['test/lab-kubectl-setup.ts'],
          setupFiles: ['test/kubectl-path.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/platform/lab/lab.test.ts'],
          // Every supported release at once needs each one built: npm run test:versions (and .ci/run) runs it.
          exclude: ['test/e2e/versions.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          setupFiles: ['test/kubectl-path.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'versions',
          // The supported releases side by side (each one's lab built): not part of npm test, which needs only npm start's.
          include: ['test/e2e/versions.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          setupFiles: ['test/kubectl-path.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
