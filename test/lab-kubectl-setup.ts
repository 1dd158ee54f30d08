// Global setup of the lab-kubectl project: the tests of what a real kubectl prints or does run the lab's. Under CI a
// missing lab kubectl is a failure; elsewhere each test fails naming the build command.
import type { TestProject } from 'vitest/node'
import { isCI } from './e2e/global-setup.js'
import { NO_LAB_KUBECTL, anyLabKubectl, kubectlDir } from './kubectl-dir.js'

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kubectl = await anyLabKubectl()
  if (kubectl === undefined && isCI()) throw new Error(`CI=${process.env.CI} and ${NO_LAB_KUBECTL}`)
  const { dir, remove } = await kubectlDir(kubectl, NO_LAB_KUBECTL)
  project.provide('labKubectlDir', dir)
  return remove
}
