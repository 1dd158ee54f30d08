// bin/kubectl-walk.js as a real kubectl finds it: on PATH as kubectl-walk (the lab's kubectl, first on PATH: the lab-kubectl project).
import { execa } from 'execa'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const plugin = fileURLToPath(new URL('../bin/kubectl-walk.js', import.meta.url))
// No cluster: kubectl must not wait on a server to find the plugin.
const env = { KUBECONFIG: join(tmpdir(), 'kubewalk-no-such-kubeconfig'), NO_COLOR: '1' }

describe('kubectl walk', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubewalk-plugin-'))
    // What npm install -g does: a link named after the package.json bin entry.
    await symlink(plugin, join(dir, 'kubectl-walk'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  it('is found by kubectl as the plugin `walk`', async () => {
    const path = `${dir}${delimiter}${process.env.PATH ?? ''}`
    const r = await execa('kubectl', ['walk', '--help'], { env: { ...env, PATH: path }, reject: false, timeout: 60_000 })
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^kubewalk — replay a Kubernetes walkthrough/)
    expect(r.stdout).toContain('--walkthrough ID')
    const list = await execa('kubectl', ['walk', 'list'], { env: { ...env, PATH: path }, reject: false, timeout: 60_000 })
    expect(list.exitCode).toBe(0)
    expect(list.stdout).toContain('article')
    const bad = await execa('kubectl', ['walk', 'nope'], { env: { ...env, PATH: path }, reject: false, timeout: 60_000 })
    expect(bad.exitCode).toBe(2)
  })
})
