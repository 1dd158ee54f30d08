// Which objects an apply, create or replace from files names, read without a dry run, and where kubectl would send
// each: the expectations are kubectl's documented behaviour (a manifest's namespace, else `-n`, else the context's,
// else `default`; a manifest's namespace that differs from `-n` is an error), written out by hand per case.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { namedRefs } from '../../../src/engine/guard/named.js'

// The article's step 08 manifest, as its heredoc gives it.
const TOKEN_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: default-token
  annotations:
    kubernetes.io/service-account.name: default
type: kubernetes.io/service-account-token
`
const cm = (name: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data:\n  k: v\n`
const w = (line: string): string[] => line.split(' ')
const stdin = (text: string): Buffer => Buffer.from(text)

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-named-'))
  await writeFile(join(dir, 'app.yaml'), `${cm('app')}---\n${cm('app-env', '  namespace: team-b\n')}`)
  await mkdir(join(dir, 'manifests'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('namedRefs', () => {
  it("reads the article's token Secret from stdin, in the context's namespace, else default", () => {
    expect(namedRefs(w('apply -f -'), stdin(TOKEN_SECRET), dir, undefined)).toEqual([
      { kind: 'Secret', group: '', name: 'default-token', namespace: 'default' },
    ])
    expect(namedRefs(w('apply -f -'), stdin(TOKEN_SECRET), dir, 'team-a')).toEqual([
      { kind: 'Secret', group: '', name: 'default-token', namespace: 'team-a' },
    ])
  })

  it('takes -n (in any of its spellings) over the context, and the manifest’s own namespace over both', () => {
    for (const argv of ['create -n team-c -f -', 'create --namespace=team-c -f -', 'create -nteam-c -f -'])
      expect(namedRefs(w(argv), stdin(cm('x')), dir, 'team-a')?.[0]?.namespace).toBe('team-c')
    expect(namedRefs(w('apply -f app.yaml'), undefined, dir, 'team-a')).toEqual([
      { kind: 'ConfigMap', group: '', name: 'app', namespace: 'team-a' },
      { kind: 'ConfigMap', group: '', name: 'app-env', namespace: 'team-b' },
    ])
  })

  it('leaves a manifest whose namespace is not the one -n names to the dry run (kubectl refuses it in its own words)', () => {
    expect(namedRefs(w('apply -n team-c -f app.yaml'), undefined, dir, undefined)).toBeUndefined()
    expect(namedRefs(w('apply -n team-b -f -'), stdin(cm('cfg', '  namespace: team-b\n')), dir, undefined)?.[0]?.namespace).toBe('team-b')
  })

  it('gives a cluster-scoped kind no namespace, and the apps group its group', () => {
    expect(namedRefs(w('create -f -'), stdin('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n'), dir, 'team-a')).toEqual([
      { kind: 'Namespace', group: '', name: 'demo' },
    ])
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: {}\n'
    expect(namedRefs(w('apply -f -'), stdin(deployment), dir, undefined)).toEqual([
      { kind: 'Deployment', group: 'apps', name: 'web', namespace: 'default' },
    ])
  })

  it('skips empty documents and reads JSON', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot' } })
    expect(namedRefs(w('apply -f -'), stdin(`---\n${cm('a')}---\n---\n${cm('b')}`), dir, undefined)?.map((r) => r.name)).toEqual(['a', 'b'])
    expect(namedRefs(w('create -f -'), stdin(json), dir, undefined)).toEqual([
      { kind: 'ServiceAccount', group: '', name: 'bot', namespace: 'default' },
    ])
  })

  it.each([
    ['a kind it does not know (a CRD)', 'apply -f -', 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n'],
    ['a kind under another version than its served one', 'apply -f -', 'apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: w\n'],
    ['a kind written in other case', 'apply -f -', 'apiVersion: v1\nkind: configmap\nmetadata:\n  name: w\n'],
    [
      'a List',
      'apply -f -',
      `apiVersion: v1\nkind: List\nitems:\n- ${JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w' } })}\n`,
    ],
    ['generateName alone', 'create -f -', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: w-\n'],
    ['a name YAML 1.1 reads as a boolean', 'apply -f -', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: on\n'],
    ['a name YAML 1.1 reads as a number', 'apply -f -', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 0123\n'],
    ['a namespace on a cluster-scoped kind', 'apply -f -', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo2\n  namespace: x\n'],
    ['a document that does not parse', 'apply -f -', 'apiVersion: v1\nkind: ConfigMap\nmetadata: [\n'],
    ['an empty input', 'apply -f -', '---\n'],
    ['a sub-verb', 'create secret generic s -f -', cm('s')],
    ['kustomize', 'apply -k . -f -', cm('s')],
    ['prune', 'apply --prune -l app=x -f -', cm('s')],
    ['a server-side edit', 'create --edit -f -', cm('s')],
    ['an empty -n', 'apply -n= -f -', cm('s')],
    ['a changing verb that is not a create or apply', 'label -f - a=b', cm('s')],
  ])('leaves %s to the dry run', (_, argv, text) => {
    expect(namedRefs(w(argv), stdin(text), dir, undefined)).toBeUndefined()
  })

  it('leaves folders, URLs, missing files and an unbuffered stdin to the dry run', () => {
    expect(namedRefs(w('apply -f manifests'), undefined, dir, undefined)).toBeUndefined()
    expect(namedRefs(w('apply -f https://k8s.io/examples/pods/simple-pod.yaml'), undefined, dir, undefined)).toBeUndefined()
    expect(namedRefs(w('apply -f missing.yaml'), undefined, dir, undefined)).toBeUndefined()
    expect(namedRefs(w('apply -f -'), undefined, dir, undefined)).toBeUndefined()
    expect(namedRefs(w('apply'), undefined, dir, undefined)).toBeUndefined()
  })
})
