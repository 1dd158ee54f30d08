// kubectl against the lab, for test setup and for checking what a run left behind.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import { inject } from 'vitest'
import { labBinDir } from '../../src/platform/lab/index.js'
import { parse as parseYaml, stringify } from 'yaml'

/** The lab's own kubectl, of the lab's version: never a kubectl of the machine's. */
export const labKubectl = (): string => join(labBinDir(inject('labVersion')), 'kubectl')

export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(labKubectl(), ['--kubeconfig', kubeconfig, ...args], {
    reject: false,
    ...(input !== undefined ? { input } : { stdin: 'ignore' }),
    timeout: 30_000,
  })
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr }
}

export async function secretExists(kubeconfig: string, name: string): Promise<boolean> {
  const r = await kubectl(kubeconfig, ['get', 'secret', name, '-o', 'name', '--ignore-not-found'])
  if (r.exitCode !== 0) throw new Error(`kubectl get secret failed: ${r.stderr}`)
  return r.stdout.trim() !== ''
}

export const TOKEN_SHAPED = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|ZXlK[A-Za-z0-9+/]{16,}/

/** `kubeconfig`, but authenticating as ServiceAccount `sa` of `default` (for RBAC refusals); written into `dir`. */
export async function kubeconfigAs(kubeconfig: string, sa: string, dir: string): Promise<string> {
  const token = (await kubectl(kubeconfig, ['create', 'token', sa])).stdout.trim()
  const cfg = parseYaml(await readFile(kubeconfig, 'utf8')) as { users: { name: string; user: Record<string, string> }[] }
  cfg.users = cfg.users.map((u) => ({ name: u.name, user: { token } }))
  const file = join(dir, `${sa}.kubeconfig`)
  await writeFile(file, stringify(cfg), { mode: 0o600 })
  return file
}
