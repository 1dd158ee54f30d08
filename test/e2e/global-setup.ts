// One lab for the whole end-to-end suite: started before the first file, stopped after the last.
// Under CI (any CI value but "", "false" or "0", as most CI tools read it) a missing lab is a
// failure, never a silent skip.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { DEFAULT_LAB_VERSION, findLabBinaries, labDown, labUp } from '../../src/platform/lab/index.js'
import { kubectlDir } from '../kubectl-dir.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Kubeconfig of the shared lab; empty when the lab is not available (local runs only). */
    labKubeconfig: string
    labVersion: string
    labSkipReason: string
  }
}

/** Whether the environment is a CI run: CI set to anything but "", "false" or "0" (CI=1, CI=true, CI=yes, …). */
export function isCI(env: Record<string, string | undefined> = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase()
  return v !== '' && v !== 'false' && v !== '0'
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // KUBEWALK_LAB_VERSION runs the whole suite against another release (e.g. the article's v1.28.3).
  const version = process.env.KUBEWALK_LAB_VERSION || DEFAULT_LAB_VERSION
  const binaries = await findLabBinaries(version)
  if (!binaries) {
    const reason = `no lab binaries for ${version}: run \`npx kubewalk lab build --version ${version}\` (or set KUBEWALK_LAB_BIN)`
    if (isCI()) throw new Error(`CI=${process.env.CI} and ${reason}; end-to-end tests must not be skipped under CI`)
    project.provide('labKubeconfig', '')
    project.provide('labVersion', version)
    project.provide('labSkipReason', reason)
    const stand = await kubectlDir(undefined, reason)
    project.provide('labKubectlDir', stand.dir)
    return stand.remove
  }
  const parent = await mkdtemp(join(tmpdir(), 'kubewalk-e2e-'))
  const dir = join(parent, 'lab')
  const began = performance.now()
  const state = await labUp({ dir, binaries, onProgress: (line) => process.stderr.write(`[lab] ${line}\n`) })
  process.stderr.write(`[lab] ready in ${((performance.now() - began) / 1000).toFixed(1)} s at ${state.server}\n`)
  project.provide('labKubeconfig', state.kubeconfig)
  project.provide('labVersion', state.version)
  project.provide('labSkipReason', '')
  // The lab's kubectl alone, not its bin/ (etcd, kube-apiserver, … have no business on a walkthrough's PATH).
  const kubectl = await kubectlDir(binaries.kubectl, '')
  project.provide('labKubectlDir', kubectl.dir)
  return async () => {
    await labDown({ dir })
    await Promise.all([rm(parent, { recursive: true, force: true }), kubectl.remove()])
  }
}
