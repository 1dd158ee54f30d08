// Answers that are errors, and blocks of several commands, on the control-plane lab (no node): a quota's
// refusal the page records passes as the line's answer; a block is compared with all its commands printed;
// a block whose first command fails fails there, naming it, and runs nothing after it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { execa } from 'execa'
import { findLabBinaries } from '../../src/platform/lab/index.js'
import { markdownWalkthrough } from '../../src/sources/markdown/index.js'
import { run } from '../../src/engine/runner.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const version = inject('labVersion')

async function setup() {
  const bin = await findLabBinaries(version)
  if (!bin) throw new Error(`no lab binaries for ${version}`)
  const env = { KUBECONFIG: kubeconfig, PATH: `${join(bin.kubectl, '..')}:${process.env.PATH}`, KUBERC: 'off' }
  const kubectl = async (...args: string[]) => execa(bin.kubectl, args, { env, reject: false })
  const cluster = { name: 'kubewalk-lab', server: '' }
  return { kubectl, base: { cluster, clusters: [cluster], env } }
}

const page = (name: string) => markdownWalkthrough(name, readFileSync(new URL(`../fixtures/markdown/${name}`, import.meta.url), 'utf8'))

describe.skipIf(kubeconfig === '')(`answers and blocks on the lab ${skipReason}`, () => {
  it("a quota's refusal the page records is the answer; a block is compared with all it printed", async () => {
    const { base, kubectl } = await setup()
    try {
      const r = await run({ ...base, steps: page('lab-answers.md').steps })
      expect(r.steps.map((s) => [s.id, s.status, s.error?.message])).toEqual([
        [expect.any(String), 'passed', undefined],
        [expect.any(String), 'passed', undefined],
        [expect.any(String), 'passed', undefined],
        [expect.any(String), 'passed', undefined],
      ])
      const refused = r.steps[2]
      expect(refused?.output.exitCode).toBe(1)
      expect(refused?.output.stderr).toMatch(
        /^Error from server \(Forbidden\): error when creating "STDIN": configmaps "kubewalk-extra" is forbidden: exceeded quota: kubewalk-cm/,
      )
      expect(refused?.assertions.every((a) => a.ok)).toBe(true)
      // The first block: two commands, each on its own, compared with both lines of the recording.
      expect(r.steps[0]?.output.parts?.map((p) => [p.stdout.trim(), p.exitCode])).toEqual([
        ['namespace/kubewalk-quota created', 0],
        ['resourcequota/kubewalk-cm created', 0],
      ])
      expect(r.steps[3]?.output.stdout).toBe('0\nkubewalk-quota\n')
      expect(r.steps[3]?.assertions).toEqual([{ name: 'the output matches its recording', ok: true }])
      expect((await kubectl('get', 'configmap', 'kubewalk-extra', '-n', 'kubewalk-quota', '--ignore-not-found', '-o', 'name')).stdout).toBe('')
    } finally {
      await kubectl('delete', 'namespace', 'kubewalk-quota', '--ignore-not-found', '--wait=false')
    }
  })

  it('a block whose first command fails fails there, naming it, and runs nothing after', async () => {
    const { base } = await setup()
    const r = await run({ ...base, steps: page('lab-block-fails.md').steps })
    expect(r.steps[0]?.status).toBe('failed')
    expect(r.steps[0]?.error?.message).toMatch(
      /: command 1 of 2 \("kubectl get configmap kubewalk-missing --namespace=default"\) exited with code 1: Error from server \(NotFound\): configmaps "kubewalk-missing" not found/,
    )
    expect(r.steps[0]?.output.parts).toHaveLength(1)
    expect(r.steps[0]?.output.stdout).toBe('')
  })
})
