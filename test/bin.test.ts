// bin/kubectl-walk.js: kubectl's plugin, found by kubectl on PATH as kubectl-walk, is kubewalk's own launcher.
import { execa } from 'execa'
import { mkdtemp, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pkg from '../package.json' with { type: 'json' }

const root = fileURLToPath(new URL('..', import.meta.url))
const plugin = join(root, 'bin/kubectl-walk.js')
// No cluster: nothing here waits on a server.
const env = { KUBECONFIG: join(tmpdir(), 'kubewalk-no-such-kubeconfig'), NO_COLOR: '1' }

describe('bin/kubectl-walk.js', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubewalk-plugin-'))
    // What npm install -g does: a link named after the package.json bin entry.
    await symlink(plugin, join(dir, 'kubectl-walk'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('is registered as kubectl-walk and executable', async () => {
    expect(pkg.bin).toMatchObject({ kubewalk: 'bin/kubewalk.js', 'kubectl-walk': 'bin/kubectl-walk.js' })
    expect((await stat(plugin)).mode & 0o111).toBe(0o111)
  })

  it('runs kubewalk directly: help, exit codes', async () => {
    const help = await execa('node', [plugin, '--help'], { env, reject: false })
    expect(help.exitCode).toBe(0)
    expect(help.stdout).toMatch(/^kubewalk — replay a Kubernetes walkthrough/)
    const unknown = await execa('node', [plugin, 'nope'], { env, reject: false })
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toBe('kubewalk: unknown command "nope"; see kubewalk --help.')
  })

  it('leaves quietly when the reader closes the pipe early (EPIPE)', async () => {
    const r = await execa('bash', ['-c', `set -o pipefail; node ${plugin} list | true`], { env, reject: false })
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/)
    expect(r.exitCode).toBe(0)
  })
})
