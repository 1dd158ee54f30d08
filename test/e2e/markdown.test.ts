// Markdown walkthroughs on the lab, through the runner (the CLI's --walkthrough PATH is the loader's; the
// imported seed article is replayed through the CLI in markdown-cli.test.ts): a tutorial with a placeholder set
// as --set would, a block split at its comments, a background line, and an object it creates and
// never deletes (cleaned up; and refused, untouched, when it was there before).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { findLabBinaries } from '../../src/platform/lab/index.js'
import { markdownWalkthrough } from '../../src/sources/markdown/index.js'
import { run } from '../../src/engine/runner.js'
import { execa } from 'execa'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const version = inject('labVersion')

async function setup() {
  const bin = await findLabBinaries(version)
  if (!bin) throw new Error(`no lab binaries for ${version}`)
  const path = `${join(bin.kubectl, '..')}:${process.env.PATH}`
  const env = { KUBECONFIG: kubeconfig, PATH: path, KUBERC: 'off' }
  const kubectl = async (...args: string[]) => execa(bin.kubectl, args, { env, reject: false })
  const cluster = { name: 'kubewalk-lab', server: '' }
  return { env, kubectl, base: { cluster, clusters: [cluster], env } }
}

describe.skipIf(kubeconfig === '')(`Markdown walkthroughs on the lab ${skipReason}`, () => {
  it('a placeholder, a split block, a background proxy, a ConfigMap it never deletes: passed, cleaned up, proxy stopped', async () => {
    const { base, kubectl } = await setup()
    const w = markdownWalkthrough('lab-tour.md', readFileSync(new URL('../fixtures/markdown/lab-tour.md', import.meta.url), 'utf8'))
    const r = await run({ ...base, steps: w.steps, vars: { GREETING: 'bonjour' } })
    expect(r.steps.map((s) => [s.title, s.status])).toEqual([
      ['Choose a greeting', 'passed'],
      ['Make the ConfigMap', 'passed'],
      ['Read it back', 'passed'],
      ['Start a proxy', 'passed'],
      ['Call the API through it', 'passed'],
    ])
    expect(r.steps[0]?.command).toBe('export GREETING="bonjour"')
    expect(r.steps[2]?.output.stdout).toBe('bonjour')
    expect(r.steps[4]?.assertions).toContainEqual({ name: 'HTTP status 200', ok: true, expected: 200, actual: 200 })
    expect(r.cleanup).toEqual([
      { describe: 'delete configmap/kubewalk-tour', command: 'kubectl delete configmap/kubewalk-tour --ignore-not-found', status: 'done' },
    ])
    expect((await kubectl('get', 'configmap', 'kubewalk-tour', '--ignore-not-found', '-o', 'name')).stdout).toBe('')
    expect(
      await fetch('http://127.0.0.1:18181/').then(
        () => 'up',
        () => 'stopped',
      ),
    ).toBe('stopped')
  })

  it('a line that would create what exists fails, and leaves it as it was (nothing of it is cleaned up)', async () => {
    const { base, kubectl } = await setup()
    expect((await kubectl('create', 'configmap', 'kubewalk-tour', '--from-literal=owner=someone-else')).exitCode).toBe(0)
    try {
      const w = markdownWalkthrough('lab-tour.md', readFileSync(new URL('../fixtures/markdown/lab-tour.md', import.meta.url), 'utf8'))
      // Guarded as every face guards a run (the replay sets it): the apply is refused at kubectl's arguments.
      const r = await run({ ...base, steps: w.steps, guard: { lab: false, namespaces: [], allow: [] } })
      // A `create` cannot change what exists: the guard lets it run, and it fails in kubectl's own words.
      expect(r.steps[1]?.error).toMatchObject({ code: 'E_COMMAND' })
      expect(r.steps[1]?.error?.message).toMatch(/configmaps "kubewalk-tour" already exists/)
      expect(r.cleanup).toEqual([])
      expect((await kubectl('get', 'configmap', 'kubewalk-tour', '-o', 'jsonpath={.data}')).stdout).toBe('{"owner":"someone-else"}')
    } finally {
      await kubectl('delete', 'configmap', 'kubewalk-tour', '--ignore-not-found')
    }
  })
})
