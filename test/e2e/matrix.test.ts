// kubewalk matrix on the shared lab, interrupted as a terminal does it: SIGINT to the whole foreground
// process group while a cell's replay is under way. The cell's child must get exactly one SIGINT
// (through the matrix) and clean up; two (the terminal's and the matrix's, a moment apart) would make
// it leave at once, the Secret of step 08 left behind.
import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { describe, expect, inject, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { labBinDir } from '../../src/platform/lab/index.js'

const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))
const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const skipReason = inject('labSkipReason')
const NS = 'kw-matrix-sigint'

/** The lab's own kubectl against the shared lab. */
async function kubectl(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(join(labBinDir(labVersion), 'kubectl'), ['--kubeconfig', kubeconfig, ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
  })
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** Processes whose command line mentions `word` (the cells' children name the test's namespace). */
async function processesNaming(word: string): Promise<string[]> {
  const found: string[] = []
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
    if (cmd.includes(word) && Number(pid) !== process.pid) found.push(`${pid} ${cmd.replace(/\0/g, ' ')}`)
  }
  return found
}

describe.skipIf(kubeconfig === '')(`matrix on the lab ${skipReason}`, () => {
  it('Ctrl-C to the whole process group while a cell runs: the cell cleans up, nothing is left in its namespace or running, exit 130', async () => {
    const context = (parseYaml(await readFile(kubeconfig, 'utf8')) as { 'current-context': string })['current-context']
    await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true'])
    expect((await kubectl(['create', 'namespace', NS])).exitCode).toBe(0)
    try {
      // Its own process group, as a shell puts a foreground job: the terminal's Ctrl-C goes to that group.
      const matrix = spawn(
        process.execPath,
        [
          BIN,
          'matrix',
          '--kubeconfig',
          kubeconfig,
          '--context',
          context,
          '--kubectl',
          join(labBinDir(labVersion), 'kubectl'),
          '--namespace',
          NS,
          '--reporter',
          'json',
        ],
        { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      )
      let stderr = ''
      let closed = false
      matrix.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
      matrix.stdout.resume()
      const code = new Promise<number | null>((resolve) =>
        matrix.on('close', (c) => {
          closed = true
          resolve(c)
        }),
      )
      // Step 08 has applied the Secret: the cell is mid-replay with something to clean up.
      let applied = false
      for (let i = 0; i < 600 && !closed && !applied; i++) {
        applied = (await kubectl(['get', 'secret', 'default-token', '-n', NS, '--ignore-not-found', '-o', 'name'])).stdout.trim() !== ''
        if (!applied) await new Promise((r) => setTimeout(r, 100))
      }
      expect(applied, stderr).toBe(true)
      process.kill(-matrix.pid!, 'SIGINT')
      expect(await code, stderr).toBe(130)
      expect(stderr).toContain('SIGINT: stopping the current step, then removing what this run created')
      expect((await kubectl(['get', 'secrets', '-n', NS, '-o', 'name'])).stdout.trim()).toBe('')
      expect(await processesNaming(NS)).toEqual([])
    } finally {
      await kubectl(['delete', 'namespace', NS, '--ignore-not-found', '--wait=false'])
    }
  }, 180_000)
})
