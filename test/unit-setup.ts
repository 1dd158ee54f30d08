// Global setup of the unit project: the tests that run a real kubectl (against stand-in servers) run the lab's.
import type { TestProject } from 'vitest/node'
import { NO_LAB_KUBECTL, anyLabKubectl, kubectlDir } from './kubectl-dir.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { dir, remove } = await kubectlDir(await anyLabKubectl(), NO_LAB_KUBECTL)
  project.provide('labKubectlDir', dir)
  return remove
}
