// The instructor's board on the shared lab, with the lab's own kubectl first on PATH: a namespace that
// does not exist is an error row and exit 1 in every reporter; Ctrl-C ends --watch with 130 and no
// word of cleanup (class creates nothing).
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { labBinDir } from '../../src/platform/lab/index.js'
import { kubewalk } from './cli.js'

const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))
const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const skipReason = inject('labSkipReason')
const MISSING = 'kw-class-no-such-ns'

let dir: string
let env: Record<string, string>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-class-'))
  // class runs the traces' `kubectl`: the lab's own, never the machine's.
  const bin = join(dir, 'bin')
  await mkdir(bin)
  await symlink(join(labBinDir(labVersion), 'kubectl'), join(bin, 'kubectl'))
  env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe.skipIf(kubeconfig === '')(`class on the lab ${skipReason}`, () => {
  it('json: a namespace that does not exist is an error row, not an empty one, and exit 1', async () => {
    const r = await kubewalk(['class', '--kubeconfig', kubeconfig, '--namespaces', `default,${MISSING}`, '--reporter', 'json'], env)
    expect(r.exitCode).toBe(1)
    const board = JSON.parse(r.stdout) as { rows: { namespace: string; done: Record<string, boolean>; error?: string }[] }
    expect(board.rows.find((row) => row.namespace === MISSING)).toEqual({
      namespace: MISSING,
      done: { 'apply-token-secret': false, 'list-secrets-after': false },
      error: `namespace ${MISSING} not found`,
    })
    expect(board.rows.find((row) => row.namespace === 'default')?.error).toBeUndefined()
  })

  it.each(['plain', 'pretty'])('%s: the row says why, and exit 1', async (reporter) => {
    const r = await kubewalk(['class', '--kubeconfig', kubeconfig, '--namespaces', MISSING, '--reporter', reporter], env)
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain(`(namespace ${MISSING} not found)`)
  })

  it('existing namespaces only: exit 0', async () => {
    const r = await kubewalk(['class', '--kubeconfig', kubeconfig, '--namespaces', 'default,kube-system', '--reporter', 'json'], env)
    expect(r.exitCode).toBe(0)
  })

  it('--watch: Ctrl-C (SIGINT to its whole process group, as a terminal sends it) ends it with 130, and nothing is said of removing anything', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'class', '--kubeconfig', kubeconfig, '--namespaces', 'default', '--watch', '--interval', '0.5', '--reporter', 'plain'],
      { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    )
    let stdout = ''
    let stderr = ''
    let sent = false
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      // The second board: --watch is redrawing.
      if (!sent && stdout.split('read at ').length > 2 && child.pid !== undefined) {
        sent = true
        process.kill(-child.pid, 'SIGINT')
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    expect(sent).toBe(true)
    expect(code).toBe(130)
    expect(stderr).toBe('\nSIGINT: stopping.\n')
  }, 60_000)
})
