// `kubewalk record` into a Markdown walkthrough on the shared lab, in a temporary folder outside the
// repository: the outputs land in the file's output blocks (a stale one only with --force), a token
// loses its signature, an unsplit block keeps all its commands printed, and the recorded file
// then replays and drifts with no real difference.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { labBinDir } from '../../src/platform/lab/index.js'
import { kubewalk, type JsonReport } from './cli.js'
import { kubectl } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const skipReason = inject('labSkipReason')
const F = '```'

let dir: string
let env: Record<string, string>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-md-record-'))
  // The lines' `kubectl` is the lab's own, never the machine's.
  const bin = join(dir, 'bin')
  await mkdir(bin)
  if (kubeconfig !== '') await symlink(join(labBinDir(labVersion), 'kubectl'), join(bin, 'kubectl'))
  env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, KUBECONFIG: kubeconfig, KUBERC: 'off', XDG_CACHE_HOME: join(dir, 'cache') }
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

const kw = (args: string[]) => kubewalk(args, env)

// Written for this test: a creating line with no output block yet, a table, an unsplit block whose
// recording is stale ("red"), and a token.
const WALK = `---
id: md-record
title: Record a ConfigMap
---
# Record a ConfigMap

## Make it

${F}bash
kubectl create configmap kw-md-record --from-literal=colour=blue
${F}

## List it

${F}bash
kubectl get configmap kw-md-record
${F}

## Read its colour

${F}bash
echo "reading the colour"
kubectl get configmap kw-md-record -o jsonpath='{.data.colour}'
${F}

The output is similar to this:

${F}
red
${F}

## A token

${F}bash
kubectl create token default --duration=10m
${F}
`

describe.skipIf(kubeconfig === '')(`record into a Markdown walkthrough on the lab ${skipReason}`, () => {
  it('writes the outputs into the file; the recorded file replays with zero real drift', async () => {
    const md = join(dir, 'walk.md')
    await writeFile(md, WALK)
    const refused = await kw(['record', '--walkthrough', md])
    expect(refused.exitCode).toBe(2)
    expect(refused.stderr).toBe(
      `kubewalk: ${md}:29: step 03 read-its-colour already has its recorded output here; record never overwrites one without --force.`,
    )
    expect(await readFile(md, 'utf8')).toBe(WALK)

    const rec = await kw(['record', '--walkthrough', md, '--force'])
    expect(rec.exitCode, rec.stderr).toBe(0)
    expect(rec.stderr).toMatch(
      /^recorded 4 step\(s\) of md-record from .* into .*walk\.md: 1 output block\(s\) replaced, 3 added; JWTs unsigned, other secrets masked$/m,
    )
    const text = await readFile(md, 'utf8')
    expect(text).toContain(
      `${F}bash\nkubectl create configmap kw-md-record --from-literal=colour=blue\n${F}\n\n${F}\nconfigmap/kw-md-record created\n${F}\n`,
    )
    expect(text).toMatch(
      new RegExp(`${F}bash\\nkubectl get configmap kw-md-record\\n${F}\\n\\n${F}\\nNAME +DATA +AGE\\nkw-md-record +1 +\\d+s\\n${F}\\n`),
    )
    // All the block's commands printed, in order, in place of the stale recording.
    expect(text).toContain(`The output is similar to this:\n\n${F}\nreading the colour\nblue\n${F}\n`)
    // The token keeps its header and claims, loses its signature.
    const token = /\n(eyJ[\w-]+\.eyJ[\w-]+\.\S*)\n/.exec(text)?.[1] ?? ''
    expect(token).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.~signature-removed~$/)
    expect(JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')).sub).toBe('system:serviceaccount:default:default')
    expect((await kubectl(kubeconfig, ['get', 'configmap', 'kw-md-record', '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('')

    const again = await kw(['run', '--walkthrough', md, '--reporter', 'json'])
    expect(again.exitCode, again.stderr).toBe(0)
    const report = JSON.parse(again.stdout) as JsonReport
    expect(report.steps.map((s) => [s.id, s.status, s.assertions.map((a) => a.ok)])).toEqual([
      ['make-it', 'passed', [true]],
      ['list-it', 'passed', [true]],
      ['read-its-colour', 'passed', [true]],
      ['a-token', 'passed', [true]],
    ])
    const drift = await kw(['drift', '--walkthrough', md, '--reporter', 'json'])
    expect(drift.exitCode, drift.stderr).toBe(0)
    const items = (JSON.parse(drift.stdout) as { id: string; items: { kind: string }[] }[]).flatMap((d) => d.items.map((i) => i.kind))
    expect(items.filter((kind) => kind === 'real')).toEqual([])
    expect(items).toContain('expected')
  })
})
