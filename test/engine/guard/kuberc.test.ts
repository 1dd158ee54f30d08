// The call as kubectl runs it under a kuberc. Each expectation is kubectl's behaviour as its pkg/kuberc
// (k8s.io/kubectl v0.33.13 and v0.37.2) implements it, written out by hand: applyAliases, applyOverrides,
// LoadKuberc, the KUBECTL_KUBERC gate and the v1alpha1/v1beta1 field names.
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { asKubectlRuns, commandName, kubercPath, preferencesOf, readsKuberc, type Preferences } from '../../../src/engine/guard/kuberc.mjs'

const prefs = (p: Partial<Preferences>): Preferences => ({ aliases: [], defaults: [], ...p })
const docs = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown)

describe('commandName: the command kubectl runs, by its name (what a default is matched by)', () => {
  it.each([
    [['delete', 'pod', 'x'], 'delete'],
    [['create', '-f', 'x.yaml'], 'create'],
    [['create', 'cm', 'app'], 'configmap'],
    [['create', 'ns', 'demo'], 'namespace'],
    [['create', 'secret', 'generic', 's'], 'generic'],
    [['create', 'svc', 'nodeport', 'web'], 'nodeport'],
    [['set', 'sa', 'deploy/web', 'robot'], 'serviceaccount'],
    [['rollout', 'restart', 'deploy/web'], 'restart'],
    [['apply', 'set-last-applied', '-f', 'x'], 'set-last-applied'],
  ])('%j runs %s', (words, name) => expect(commandName(words)).toBe(name))
  it('is undefined for a word that is none of kubectl’s commands', () => expect(commandName(['ap', '-f', 'x'])).toBeUndefined())
})

describe('kubercPath: the file kubectl reads, as LoadKuberc finds it', () => {
  const env = { HOME: '/home/u' }
  it('~/.kube/kuberc by default; $KUBERC instead; --kuberc over both (relative to the call’s folder)', () => {
    expect(kubercPath(['get', 'pods'], env, '/w')).toBe('/home/u/.kube/kuberc')
    expect(kubercPath(['get', 'pods'], { ...env, KUBERC: 'rc.yaml' }, '/w')).toBe('/w/rc.yaml')
    expect(kubercPath(['--kuberc', 'a.yaml', 'get'], { ...env, KUBERC: '/x' }, '/w')).toBe('/w/a.yaml')
    expect(kubercPath(['get', '--kuberc=/b.yaml'], env, '/w')).toBe('/b.yaml')
  })
  it('none with KUBERC=off; a --kuberc after `--` is a container’s word', () => {
    expect(kubercPath(['get'], { ...env, KUBERC: 'off' }, '/w')).toBeUndefined()
    expect(kubercPath(['exec', 'p', '--', '--kuberc', 'x'], env, '/w')).toBe('/home/u/.kube/kuberc')
  })
})

describe('readsKuberc: the KUBECTL_KUBERC gate', () => {
  it('1.32 and before: never; 1.33: only with KUBECTL_KUBERC=true; 1.34 on: unless KUBECTL_KUBERC=false', () => {
    expect(readsKuberc({ major: 1, minor: 28 }, { KUBECTL_KUBERC: 'true' })).toBe(false)
    expect(readsKuberc({ major: 1, minor: 33 }, {})).toBe(false)
    expect(readsKuberc({ major: 1, minor: 33 }, { KUBECTL_KUBERC: 'TRUE' })).toBe(true)
    expect(readsKuberc({ major: 1, minor: 34 }, {})).toBe(true)
    expect(readsKuberc({ major: 1, minor: 37 }, { KUBECTL_KUBERC: 'False' })).toBe(false)
  })
})

describe('preferencesOf: the first Preference document, either version', () => {
  it('v1beta1: defaults and options', () => {
    const p = preferencesOf(
      docs(`apiVersion: v1
kind: Config
---
apiVersion: kubectl.config.k8s.io/v1beta1
kind: Preference
defaults:
- command: delete
  options:
  - name: interactive
    default: "true"
aliases:
- name: getn
  command: get
  prependArgs: [nodes]
  options:
  - name: output
    default: wide
`),
    )
    expect(p).toEqual({
      defaults: [{ command: 'delete', options: [{ name: 'interactive', default: 'true' }] }],
      aliases: [{ name: 'getn', command: 'get', prependArgs: ['nodes'], appendArgs: [], options: [{ name: 'output', default: 'wide' }] }],
    })
  })
  it('v1alpha1: overrides and flags', () => {
    const p = preferencesOf(
      docs(`apiVersion: kubectl.config.k8s.io/v1alpha1
kind: Preference
overrides:
- command: apply
  flags:
  - name: server-side
    default: "true"
aliases:
- name: crns
  command: create namespace
  appendArgs: [--dry-run=none]
`),
    )
    expect(p?.defaults).toEqual([{ command: 'apply', options: [{ name: 'server-side', default: 'true' }] }])
    expect(p?.aliases[0]).toMatchObject({ name: 'crns', command: 'create namespace', appendArgs: ['--dry-run=none'] })
  })
  it('none when no document is a Preference', () => expect(preferencesOf(docs('kind: Preference\napiVersion: v1\n'))).toBeUndefined())
})

describe('asKubectlRuns: an alias expanded, defaults written out', () => {
  const ap = prefs({
    aliases: [{ name: 'ap', command: 'apply', prependArgs: ['-n', 'team'], appendArgs: ['--wait'], options: [{ name: 'force', default: 'true' }] }],
  })
  it('an alias becomes its command: prependArgs after it, appendArgs last, its options first as defaults', () => {
    expect(asKubectlRuns(['ap', '-f', 'x.yaml'], ap)).toEqual({
      argv: ['--force=true', 'apply', '-n', 'team', '-f', 'x.yaml', '--wait'],
      alias: 'ap',
    })
  })
  it('flags before the alias stay before it; appendArgs go after `--` too (kubectl appends them last)', () => {
    const ex = prefs({ aliases: [{ name: 'sh', command: 'exec', prependArgs: ['-it'], appendArgs: ['sh'], options: [] }] })
    expect(asKubectlRuns(['--context=c', 'sh', 'pod/p', '--'], ex).argv).toEqual(['--context=c', 'exec', '-it', 'pod/p', '--', 'sh'])
  })
  it('kubectl names the alias by the first word not starting with `-`, a flag’s value too: `-n x ap` expands nothing', () => {
    expect(asKubectlRuns(['-n', 'x', 'ap', '-f', 'y'], ap)).toEqual({ argv: ['-n', 'x', 'ap', '-f', 'y'] })
  })
  it('an alias of a built-in name is ignored; an alias of a command kubectl lacks fails the call, and expands nothing', () => {
    const p = prefs({
      aliases: [
        { name: 'get', command: 'delete', prependArgs: [], appendArgs: [], options: [] },
        { name: 'zap', command: 'obliterate', prependArgs: [], appendArgs: [], options: [] },
      ],
    })
    expect(asKubectlRuns(['get', 'pods'], p)).toEqual({ argv: ['get', 'pods'] })
    expect(asKubectlRuns(['zap', 'pods'], p)).toEqual({ argv: ['zap', 'pods'] })
  })
  it('defaults apply to the command a call runs, by name, before the call’s own flags (which win); an alias gets none', () => {
    const p = prefs({
      defaults: [
        { command: 'delete', options: [{ name: 'namespace', default: 'prod' }] },
        { command: 'create ns', options: [{ name: 'dry-run', default: 'client' }] },
      ],
      aliases: [{ name: 'del', command: 'delete', prependArgs: [], appendArgs: [], options: [] }],
    })
    expect(asKubectlRuns(['delete', 'cm', 'app'], p).argv).toEqual(['--namespace=prod', 'delete', 'cm', 'app'])
    expect(asKubectlRuns(['delete', 'cm', 'app', '-n', 'dev'], p).argv).toEqual(['--namespace=prod', 'delete', 'cm', 'app', '-n', 'dev'])
    expect(asKubectlRuns(['create', 'namespace', 'demo'], p).argv).toEqual(['--dry-run=client', 'create', 'namespace', 'demo'])
    // `create configmap` runs `configmap`, not `namespace`: the default is not its.
    expect(asKubectlRuns(['create', 'configmap', 'app'], p).argv).toEqual(['create', 'configmap', 'app'])
    expect(asKubectlRuns(['del', 'cm', 'app'], p)).toEqual({ argv: ['delete', 'cm', 'app'], alias: 'del' })
  })
  it('--kuberc is left out (the guard’s own calls run with KUBERC=off); a container’s words after `--` are kept', () => {
    expect(asKubectlRuns(['--kuberc=rc', 'ap', '-f', 'x'], ap).argv).toEqual(['--force=true', 'apply', '-n', 'team', '-f', 'x', '--wait'])
    // `--kuberc rc ap`: kubectl looks for an alias named `rc`, finds none, and fails on `ap`.
    expect(asKubectlRuns(['--kuberc', 'rc', 'ap', '-f', 'x'], ap).argv).toEqual(['ap', '-f', 'x'])
    expect(asKubectlRuns(['exec', 'p', '--kuberc=rc', '--', '--kuberc', 'z'], prefs({})).argv).toEqual(['exec', 'p', '--', '--kuberc', 'z'])
  })
  it('no preferences: the argv as it is', () => expect(asKubectlRuns(['ap'], undefined)).toEqual({ argv: ['ap'] }))
})
