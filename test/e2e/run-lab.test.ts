// The Quick start's replay: `kubewalk run --lab` brings its own throwaway lab and leaves nothing.
import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, inject, it } from 'vitest'
import { kubewalk, type JsonReport } from './cli.js'
import { liveProcesses } from '../helpers.js'

const skipReason = inject('labSkipReason')
const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))

describe.skipIf(skipReason !== '')(`kubewalk run --lab ${skipReason}`, () => {
  it('replays the whole article on a throwaway lab, then removes it', async () => {
    const r = await kubewalk(['run', '--lab', '--reporter', 'json'])
    expect(r.exitCode).toBe(0)
    const report = JSON.parse(r.stdout) as JsonReport
    expect(report.ok).toBe(true)
    expect(report.steps.every((s) => s.status === 'passed')).toBe(true)
    const dir = /starting a throwaway lab in (\S+)/.exec(r.stderr)?.[1] ?? ''
    expect(dir).not.toBe('')
    expect(await liveProcesses(dir)).toEqual([])
    await expect(readdir(dir)).rejects.toThrow()
  })

  it("on a machine without kubectl, replays with the lab's own", async () => {
    const { mkdtemp, rm, symlink } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { which } = await import('../../src/platform/shell.js')
    // A PATH with what the article and the lab need besides kubectl.
    const bin = await mkdtemp(join(tmpdir(), 'kubewalk-nokubectl-'))
    try {
      for (const tool of ['bash', 'sh', 'node', 'curl', 'openssl', 'base64']) await symlink((await which(tool))!, join(bin, tool))
      const r = await kubewalk(['run', '--lab', '--reporter', 'json'], { PATH: bin })
      expect(r.stderr).toMatch(/the walkthrough's kubectl is the lab's own, \S+\/kubectl/)
      expect(r.exitCode).toBe(0)
      const report = JSON.parse(r.stdout) as JsonReport
      expect(report.steps.filter((s) => s.status === 'passed')).toHaveLength(14)
      // The lab's own kubectl, of the lab's version, played the article's kubectl; the report says which.
      expect(report.cluster.kubectl?.version).toBe(report.cluster.version)
      expect(report.cluster.kubectl?.path).toMatch(/\/bin\/kubectl$/)
      expect(report.steps.find((s) => s.id === 'token-duration')?.output.stderr).toContain(`kubectl/${report.cluster.version}`)
    } finally {
      await rm(bin, { recursive: true, force: true })
    }
  })

  it('on Ctrl-C while the lab starts, stops it and exits 130', async () => {
    const child = spawn('node', [BIN, 'run', '--lab'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let dir = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      dir ||= /starting a throwaway lab in (\S+)/.exec(stderr)?.[1] ?? ''
      if (/etcd ready/.test(stderr) && !child.killed) child.kill('SIGINT')
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(130)
    expect(dir).not.toBe('')
    expect(await liveProcesses(dir)).toEqual([])
  })

  it('kubewalk lab up: Ctrl-C while it starts stops what it started, exits 130', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const parent = await mkdtemp(join(tmpdir(), 'kubewalk-labup-'))
    const dir = join(parent, 'lab')
    try {
      const child = spawn('node', [BIN, 'lab', 'up', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
        if (/etcd ready/.test(stderr) && !child.killed) child.kill('SIGINT')
      })
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
      expect(code).toBe(130)
      expect(await liveProcesses(dir)).toEqual([])
      await expect(readdir(dir)).rejects.toThrow()
    } finally {
      await rm(parent, { recursive: true, force: true })
    }
  })
})
