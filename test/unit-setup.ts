// Global setup of the unit project: no kubectl at all. The one first on PATH is a stand-in that fails, naming
// where a test that needs a real kubectl belongs.
import type { TestProject } from 'vitest/node'
import { kubectlDir } from './kubectl-dir.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { dir, remove } = await kubectlDir(undefined, 'unit tests run no kubectl; a test of what kubectl does belongs in a *.kubectl.test.ts file')
  project.provide('labKubectlDir', dir)
  return remove
}
