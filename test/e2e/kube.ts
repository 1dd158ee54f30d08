// kubectl against the lab, for test setup and for checking what a run left behind.
import { execa } from 'execa'

export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('kubectl', ['--kubeconfig', kubeconfig, ...args], { reject: false, ...(input !== undefined ? { input } : { stdin: 'ignore' }), timeout: 30_000 })
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr }
}

export async function secretExists(kubeconfig: string, name: string): Promise<boolean> {
  const r = await kubectl(kubeconfig, ['get', 'secret', name, '-o', 'name', '--ignore-not-found'])
  if (r.exitCode !== 0) throw new Error(`kubectl get secret failed: ${r.stderr}`)
  return r.stdout.trim() !== ''
}

export const TOKEN_SHAPED = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|ZXlK[A-Za-z0-9+/]{16,}/
