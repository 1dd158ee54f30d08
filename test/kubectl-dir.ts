// The one kubectl the tests' processes find first on PATH: the lab's own build or, when none is built, a stand-in
// that says so and fails. Never one the machine happens to have: the suite proves the
// same thing on every machine.
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXTRA_KUBECTL_VERSIONS, SUPPORTED_LAB_VERSIONS, findLabKubectl } from '../src/platform/lab/index.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A directory holding only `kubectl` (the lab's, or a failing stand-in), put first on each worker's PATH. */
    labKubectlDir: string
  }
}

/** The reason a test that needs kubectl cannot run when no lab kubectl is built. */
export const NO_LAB_KUBECTL = 'no lab kubectl is built; run: npx kubewalk lab build'

/** A kubectl the lab built (the supported releases' in order, then the kubectl-only builds'), if any. */
export async function anyLabKubectl(): Promise<string | undefined> {
  for (const version of [...SUPPORTED_LAB_VERSIONS, ...EXTRA_KUBECTL_VERSIONS]) {
    const kubectl = await findLabKubectl(version)
    if (kubectl) return kubectl
  }
  return undefined
}

/** A new directory whose only entry is `kubectl`: a link to `kubectl`, or a stand-in printing `missing` and exiting 1. */
export async function kubectlDir(kubectl: string | undefined, missing: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kubewalk-kubectl-'))
  if (kubectl) await symlink(kubectl, join(dir, 'kubectl'))
  else await writeFile(join(dir, 'kubectl'), `#!/bin/sh\necho 'kubewalk tests: ${missing.replaceAll("'", "'\\''")}' >&2\nexit 1\n`, { mode: 0o755 })
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
