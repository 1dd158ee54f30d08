// A node table (`kubectl get nodes`) compared with a page's recording: the nodes, their versions and the labels
// their cluster gives them are the cluster's; a label the page puts on a node is the page's. On a real page of the
// corpus (test/fixtures/docs/assign-pods-nodes, kubernetes/website, CC BY 4.0), its recordings as published.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Step, StepContext } from '../../../src/core/step.js'
import { compareWithRecording } from '../../../src/sources/markdown/checks.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { labelsOf } from '../../../src/sources/markdown/nodes.js'
import { ctx as stepContext } from '../../helpers.js'

const file = new URL('../../fixtures/docs/assign-pods-nodes/page.md', import.meta.url).pathname
const w = markdownWalkthrough(file, readFileSync(file, 'utf8'))
const context: StepContext = stepContext({ namespace: 'kubewalk-nodes' })
// The page lists the nodes twice: before and after `kubectl label nodes <your-node-name> disktype=ssd`.
const listings = w.steps.filter((s) => s.command === 'kubectl get nodes --show-labels') as Step<object>[]
const judge = (s: Step<object>, stdout: string) => s.check(s.parse({ stdout, stderr: '', exitCode: 0 }, context), context)
const failed = (assertions: { ok: boolean; name: string }[]) => assertions.filter((a) => !a.ok).map((a) => a.name)
const recording = (s: Step<object>): string => w.recorded?.()[s.id]?.stdout ?? ''

// Written in the format kubectl 1.37 prints `kubectl get nodes --show-labels` in: the lab's one node.
const header = 'NAME            STATUS   ROLES    AGE   VERSION   LABELS'
const node = (labels: string, name = 'kubewalk-node') =>
  `${name.padEnd(16)}Ready    <none>   12m   v1.37.2   beta.kubernetes.io/arch=amd64,beta.kubernetes.io/os=linux,${labels}kubernetes.io/arch=amd64,kubernetes.io/hostname=${name},kubernetes.io/os=linux`
const before = `${header}\n${node('')}\n`
const after = `${header}\n${node('disktype=ssd,')}\n`

describe('assign-pods-nodes: kubectl get nodes --show-labels', () => {
  const [first, second] = listings as [Step<object>, Step<object>]
  it('before the label: the lab’s one node passes; its version and the author’s other nodes are the cluster’s, said; no node fails', () => {
    expect(listings).toHaveLength(2)
    expect(failed(judge(first, `${header}\n`))).toEqual([expect.stringContaining('the recording lists nodes; the output none')])
    expect(failed(judge(first, before))).toEqual([])
    const items = compareWithRecording('s', recording(first), before, { stdout: before }).items
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'node 0.VERSION', kind: 'expected', note: expect.stringContaining("the cluster's Kubernetes version") }),
        expect.objectContaining({ path: 'node 1', kind: 'expected', note: "the page's cluster had 3 nodes, this one 1" }),
        expect.objectContaining({ path: 'node 2', kind: 'expected', note: "the page's cluster had 3 nodes, this one 1" }),
      ]),
    )
  })
  it('after the label: passes when a node has disktype=ssd', () => expect(failed(judge(second, after))).toEqual([]))
  it('after the label: fails when no node has disktype=ssd', () =>
    expect(judge(second, before).filter((a) => !a.ok)).toEqual([
      expect.objectContaining({ name: expect.stringContaining('disktype=ssd'), expected: 'disktype=ssd' }),
    ]))
  it('the label may be on another node than the first', () => {
    const three = `${header}\n${node('', 'kubewalk-node-a')}\n${node('', 'kubewalk-node-b')}\n${node('disktype=ssd,', 'kubewalk-node-c')}\n`
    expect(failed(judge(second, three))).toEqual([])
  })
})

describe('node tables in general', () => {
  const recorded =
    'NAME     STATUS   ROLES           AGE   VERSION   LABELS\nnode-1   Ready    control-plane   9d    v1.28.3   ...,node-role.kubernetes.io/control-plane=,topology.kubernetes.io/zone=eu-1,team=web\n'
  const lab = (labels: string) =>
    `NAME            STATUS   ROLES           AGE   VERSION   LABELS\nkubewalk-node   Ready    control-plane   1m    v1.37.2   ${labels}\n`
  const real = (live: string) => compareWithRecording('s', recorded, live, { stdout: live }).items.filter((i) => i.kind === 'real')
  it('the cluster’s well-known labels are its own; another label is the page’s', () => {
    expect(real(lab('kubernetes.io/hostname=kubewalk-node,team=web'))).toEqual([])
    expect(real(lab('kubernetes.io/hostname=kubewalk-node,team=db'))).toEqual([
      expect.objectContaining({ path: 'node 0.LABELS', article: 'team=web' }),
    ])
  })
  it('a live node the recording lacks is reported, not failed', () => {
    const live = `${lab('team=web')}${'kubewalk-node-2'.padEnd(16)}Ready    ${'<none>'.padEnd(16)}1m    v1.37.2   team=db\n`
    const items = compareWithRecording('s', recorded, live, { stdout: live }).items
    expect(items.filter((i) => i.kind === 'real')).toEqual([])
    expect(items.filter((i) => i.kind === 'version').map((i) => i.path)).toContain('node 1.NAME')
  })
  it('a node of minikube, listed wide: its roles, version, system and runtime are the cluster’s', () => {
    // Written in the format kubectl 1.37 prints `kubectl get nodes -o wide` in.
    const wide = (name: string, roles: string, version: string, ip: string, os: string, kernel: string, runtime: string) =>
      `${name.padEnd(16)}Ready    ${roles.padEnd(16)}5d    ${version.padEnd(10)}${ip.padEnd(15)}<none>        ${os.padEnd(35)}${kernel.padEnd(20)}${runtime}`
    const head = `${'NAME'.padEnd(16)}STATUS   ${'ROLES'.padEnd(16)}AGE   ${'VERSION'.padEnd(10)}${'INTERNAL-IP'.padEnd(15)}EXTERNAL-IP   ${'OS-IMAGE'.padEnd(35)}${'KERNEL-VERSION'.padEnd(20)}CONTAINER-RUNTIME`
    const minikube = `${head}\n${wide('minikube', 'control-plane', 'v1.30.0', '192.168.49.2', 'Ubuntu 22.04.4 LTS', '6.5.0-35-generic', 'docker://26.1.1')}\n`
    const lab = `${head}\n${wide('kubewalk-node', '<none>', 'v1.37.2', '10.0.2.15', 'Debian GNU/Linux 12 (bookworm)', '5.10.225', 'containerd://2.4.2')}\n`
    const items = compareWithRecording('s', minikube, lab, { stdout: lab }).items
    expect(items.filter((i) => i.kind === 'real')).toEqual([])
    expect(items.map((i) => i.path)).toEqual(
      expect.arrayContaining(['node 0.ROLES', 'node 0.VERSION', 'node 0.OS-IMAGE', 'node 0.KERNEL-VERSION', 'node 0.CONTAINER-RUNTIME']),
    )
  })
  it('another STATUS is still real', () =>
    expect(real(lab('team=web').replace('Ready   ', 'NotReady'))).toEqual([expect.objectContaining({ path: 'node 0.STATUS' })]))
  it.each([
    ['...,disktype=ssd,kubernetes.io/hostname=worker0', ['disktype=ssd', 'kubernetes.io/hostname=worker0']],
    ['node-role.kubernetes.io/control-plane=,kubernetes.io/os=linux', ['node-role.kubernetes.io/control-plane=', 'kubernetes.io/os=linux']],
    ['<none>', []],
  ])('labelsOf %s', (text, labels) => expect(labelsOf(text)).toEqual(labels))
})
