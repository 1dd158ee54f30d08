// Runs the compiled CLI (bin/kubewalk.js) the way a user does, and captures what it prints.
import { execa } from 'execa'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))

export interface CliRun {
  exitCode: number
  stdout: string
  stderr: string
  durationMs: number
}

/**
 * Runs the CLI with this worker's environment, whose PATH finds the lab's own kubectl first (test/kubectl-path.ts), plus
 * `env`; with `node` on PATH unless another is named.
 */
export async function kubewalk(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 240_000, node = 'node'): Promise<CliRun> {
  const began = performance.now()
  const r = await execa(node, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    reject: false,
    timeout: timeoutMs,
    stdin: 'ignore',
  })
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, durationMs: Math.round(performance.now() - began) }
}

/** The JSON report's shape, as far as the tests read it. */
export interface JsonReport {
  ok: boolean
  status: string
  walkthrough?: string
  cluster: { name: string; server: string; version: string; namespace?: string; kubectl?: { path: string; version: string } }
  steps: {
    id: string
    variant?: string
    status: string
    attempts: number
    durationMs: number
    command: string
    assertions: { name: string; ok: boolean; expected?: unknown; actual?: unknown }[]
    notes?: string[]
    output: { stdout: string; stderr: string }
    error?: { message: string }
  }[]
  cleanup: { describe: string; status: string }[]
}
