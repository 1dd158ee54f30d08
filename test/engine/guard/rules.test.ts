// The guard's pure rules: which calls change, how they are asked as a dry run, what they name, and
// the ownership rule (allow / record / refuse) given the objects as the server holds them.
import { describe, expect, it } from 'vitest'
import {
  classify,
  connectionFlags,
  decide,
  dryRunArgv,
  fileArgs,
  flagValue,
  hasFlag,
  holdsInput,
  positionals,
  matches,
  noDryRun,
  objectsOf,
  refOf,
  restorable,
  selectionArgv,
  type ObjectRef,
} from '../../../src/engine/guard/rules.mjs'

const w = (line: string): string[] => line.split(' ')

describe('classify', () => {
  it.each([
    ['get pods -n kube-system', 'pass'],
    ['-n kube-system get pods', 'pass'],
    ['create token default', 'pass'],
    ['--context lab create token default', 'pass'],
    ['config view', 'pass'],
    ['auth can-i get pods', 'pass'],
    ['auth reconcile -f rbac.yaml', 'dry-json'],
    ['logs -f pod/x', 'pass'],
    ['version', 'pass'],
    ['apply -f x.yaml --dry-run=server', 'pass'],
    ['apply -f x.yaml --dry-run=none', 'dry-json'],
    ['apply --help', 'pass'],
    ['apply view-last-applied cm/x', 'pass'],
    ['apply -f x.yaml --prune -l app=x', 'dry-json'],
    ['create -f x.yaml', 'dry-json'],
    ['create deployment web --image=nginx', 'dry-json'],
    ['-n ns replace --force -f x.yaml', 'dry-json'],
    ['run box --image=busybox -- sleep 1', 'dry-json'],
    ['label node n1 a=b', 'dry-json'],
    ['set image deploy/web web=nginx:2', 'dry-json'],
    ['delete cm app', 'dry-select'],
    ['drain n1 --ignore-daemonsets', 'dry-select'],
    ['edit cm app', 'select'],
    ['rollout status deploy/web', 'pass'],
    ['rollout restart deploy/web', 'select'],
    ['rollout undo deploy/web', 'dry-json'],
    ['certificate approve csr-1', 'select'],
    ['debug pod/x -it --image=busybox', 'select'],
    ['exec pod/x -- kubectl delete cm app', 'pass'],
  ])('kubectl %s: %s', (line, how) => {
    expect(classify(w(line)).how).toBe(how)
  })
})

describe('dryRunArgv', () => {
  it('puts the flags last, after any -o of the call (the last -o wins), and before `--`', () => {
    expect(dryRunArgv(w('apply -f x.yaml -o yaml'), true)).toEqual(w('apply -f x.yaml -o yaml --dry-run=server -o json --validate=false'))
    expect(dryRunArgv(w('run box --image=b -- sh -c x'), true)).toEqual(w('run box --image=b --dry-run=server -o json -- sh -c x'))
    expect(dryRunArgv(w('delete cm app'), false)).toEqual(w('delete cm app --dry-run=server'))
  })

  it('leaves schema validation to the real call where kubectl takes --validate (the dry run asks only what it touches)', () => {
    expect(dryRunArgv(w('create -f x.yaml --validate=strict'), true)).toEqual(
      w('create -f x.yaml --validate=strict --dry-run=server -o json --validate=false'),
    )
    expect(dryRunArgv(w('create secret generic s --from-literal=a=b'), true)).toContain('--validate=false')
    expect(dryRunArgv(w('replace --force -f x.yaml'), true)).toEqual(w('replace -f x.yaml --dry-run=server -o json --validate=false'))
    // Verbs without the flag would refuse it.
    for (const line of [
      'patch deploy d -p {}',
      'label node n a=b',
      'run box --image=b',
      'apply set-last-applied -f x.yaml',
      'scale deploy d --replicas=2',
    ])
      expect(dryRunArgv(w(line), true)).not.toContain('--validate=false')
  })
})

describe('single-letter flags as pflag reads them', () => {
  it.each([
    // [argv, positionals, -n, -f files, -R]
    ['delete cm app -nother', ['delete', 'cm', 'app'], 'other', [], false],
    ['delete cm app -n=other', ['delete', 'cm', 'app'], 'other', [], false],
    ['-nother delete cm app', ['delete', 'cm', 'app'], 'other', [], false],
    ['apply -f- -oyaml', ['apply'], undefined, ['-f|-'], false],
    ['apply -Rf dir', ['apply'], undefined, ['|dir'], true],
    ['apply -Rn ns -f=x.yaml', ['apply'], 'ns', ['-f=|x.yaml'], true],
    ['delete pod x -R=false', ['delete', 'pod', 'x'], undefined, [], false],
    // Every global flag of kubectl that takes a value: its value is never taken for the verb.
    ['--log-flush-frequency 5s delete cm app', ['delete', 'cm', 'app'], undefined, [], false],
    ['--proxy-url http://127.0.0.1:3128 --as-user-extra k=v delete cm app', ['delete', 'cm', 'app'], undefined, [], false],
    ['exec -it web -c app -- ls -nope', ['exec', 'web'], undefined, [], false],
  ])('%s', (line, words, ns, files, recursive) => {
    const argv = w(line)
    expect(positionals(argv).map((p) => p.word)).toEqual(words)
    expect(flagValue(argv, ['-n', '--namespace'])).toBe(ns)
    expect(fileArgs(argv).map((f) => `${f.prefix}|${f.file}`)).toEqual(files)
    expect(hasFlag(argv, ['-R', '--recursive'])).toBe(recursive)
  })
})

describe('connectionFlags: the guard reads from where the call goes', () => {
  it.each([
    ['--context other create cm x', ['--context', 'other']],
    ['create cm x --server=https://o:6443 --token t', ['--server=https://o:6443', '--token', 't']],
    ['-s https://o:6443 create cm x', ['-s', 'https://o:6443']],
    // pflag's attached short form, alone or after a boolean letter: the same server.
    ['-shttps://o:6443 create cm x', ['-s', 'https://o:6443']],
    ['apply -Rs https://o:6443 -f dir', ['-s', 'https://o:6443']],
    ['apply -s=https://o:6443 -f x.yaml', ['-s=https://o:6443']],
    ['create cm x -nother', []],
    ['create cm x -- -shttps://not-a-flag', []],
  ])('%s', (line, flags) => expect(connectionFlags(w(line))).toEqual(flags))
})

describe('holdsInput: the real call may start before the verdict, its input held back', () => {
  it.each([
    ['apply -f -', true],
    ['create -f -', true],
    ['replace -f - --force', true],
    ['apply -n demo --server-side -f -', true],
    ['apply --filename=- -o yaml', true],
    // A file is read at once; two inputs, a kustomization, or a verb that acts beyond what it reads are not held.
    ['apply -f cm.yaml', false],
    ['apply -f - -f cm.yaml', false],
    ['apply -k .', false],
    ['create --raw /api/v1/namespaces -f -', false],
    ['create -f - --edit', false],
    ['apply -f - --prune -l app=x', false],
    ['create configmap x --from-file=-', false],
    ['apply edit-last-applied -f -', false],
    ['apply -f - --dry-run=server', false],
    ['label -f - team=x', false],
    ['get -f -', false],
  ])('%s → %s', (line, held) => {
    expect(holdsInput(w(line))).toBe(held)
  })
})

describe('selectionArgv', () => {
  it.each([
    ['delete cm app other -n ns', '-n ns get cm app other -o json --ignore-not-found'],
    ['--context lab delete -f x.yaml', '--context lab get -f x.yaml -o json --ignore-not-found'],
    ['delete pods --all', 'get pods -o json --ignore-not-found'],
    ['delete pods -l app=web -A', '-A get pods -l app=web -o json --ignore-not-found'],
    ['cordon n1', 'get node n1 -o json --ignore-not-found'],
    ['drain -l pool=x', 'get node -l pool=x -o json --ignore-not-found'],
    ['certificate approve csr-1', 'get certificatesigningrequest csr-1 -o json --ignore-not-found'],
    ['rollout restart deploy/web', 'get deploy/web -o json --ignore-not-found'],
    ['debug web-1 -it --image=busybox', 'get pod/web-1 -o json --ignore-not-found'],
    ['debug web-1 --copy-to=web-copy --replace', 'get pod/web-1 -o json --ignore-not-found'],
  ])('kubectl %s reads: kubectl %s', (line, get) => {
    expect(selectionArgv(w(line))).toEqual(w(get))
  })
  it.each([['debug node/n1 -it --image=busybox'], ['debug web-1 --copy-to=web-copy'], ['delete pods']])(
    'kubectl %s changes no existing object',
    (line) => {
      expect(selectionArgv(w(line))).toBeUndefined()
    },
  )
})

describe('objectsOf', () => {
  it('reads one object, a List, and objects printed one after another', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'd' } }
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'd', uid: 'u1' } }
    const text = `${JSON.stringify(cm)}\n${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [dep, { ...cm, data: { x: '}{"' } }] }, null, 2)}`
    expect(objectsOf(text).map((o) => refOf(o))).toEqual([
      { kind: 'ConfigMap', group: '', name: 'a', namespace: 'd' },
      { kind: 'Deployment', group: 'apps', name: 'w', namespace: 'd', uid: 'u1' },
      { kind: 'ConfigMap', group: '', name: 'a', namespace: 'd' },
    ])
    expect(objectsOf('Warning: something\n')).toEqual([])
  })
})

describe('matches', () => {
  const n1: ObjectRef = { kind: 'Node', group: '', name: 'n1' }
  const sa: ObjectRef = { kind: 'ServiceAccount', group: '', name: 'default', namespace: 'team' }
  const dep: ObjectRef = { kind: 'Deployment', group: 'apps', name: 'web', namespace: 'prod' }
  it.each([
    ['node/*', n1, true],
    ['node/n2', n1, false],
    ['serviceaccount/default', sa, true],
    ['team/serviceaccount/default', sa, true],
    ['other/serviceaccount/default', sa, false],
    ['deployment.apps/web', dep, true],
    ['deployment/w*', dep, true],
    ['pod/*', dep, false],
  ])('%s covers %o: %s', (pattern, ref, yes) => {
    expect(matches(pattern, ref)).toBe(yes)
  })
})

describe('decide', () => {
  const ref: ObjectRef = { kind: 'ConfigMap', group: '', name: 'app', namespace: 'default' }
  const existing = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'default', uid: 'u-app' } }
  const base = { lab: false, namespaces: [] as string[], allow: [] as string[], ownUids: [] as string[] }
  it.each([
    ['a new object', { ...base }, null, 'allow', 'new'],
    ["the run's own object (by uid)", { ...base, ownUids: ['u-app'] }, existing, 'allow', 'own'],
    ['an object in a namespace the run created', { ...base, namespaces: ['default'] }, existing, 'allow', 'namespace'],
    ['anything on a lab the run started', { ...base, lab: true }, existing, 'allow', 'lab'],
    ['a declared change', { ...base, allow: ['configmap/app'] }, existing, 'record', 'declared'],
    ["another's object", { ...base }, existing, 'refuse', 'not-own'],
  ])('%s: %s', (_, ctx, current, action, why) => {
    const { verdicts, refusal } = decide([{ ref, current }], ctx)
    expect(verdicts.map((v) => [v.action, v.why])).toEqual([[action, why]])
    expect(refusal === undefined).toBe(action !== 'refuse')
  })
  it('refuses the whole call when one object is not the run’s, naming it and its namespace', () => {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-n1' } }
    const { refusal } = decide(
      [
        { ref, current: null },
        { ref: refOf(node), current: node },
      ],
      base,
    )
    expect(refusal).toMatch(/^kubewalk: refused: node\/n1 \(cluster-scoped\) is not this run's; /)
  })
})

describe('small rules', () => {
  it('restorable drops what the server owns', () => {
    expect(
      restorable({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n', uid: 'u', resourceVersion: '9', managedFields: [], labels: { a: 'b' } },
        spec: { x: 1 },
        status: { y: 2 },
      }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n', labels: { a: 'b' } },
      spec: { x: 1 },
    })
  })
  it('fileArgs finds every -f form before `--`', () => {
    expect(fileArgs(w('apply -f a.yaml --filename=b.yaml -f=- --filename /dev/fd/63 -- -f x'))).toEqual([
      { at: 2, prefix: '', file: 'a.yaml' },
      { at: 3, prefix: '--filename=', file: 'b.yaml' },
      { at: 4, prefix: '-f=', file: '-' },
      { at: 6, prefix: '', file: '/dev/fd/63' },
    ])
  })
  it('noDryRun knows a webhook without dry-run support', () => {
    expect(noDryRun('Error from server (BadRequest): admission webhook "x.example.com" does not support dry run')).toBe(true)
    expect(noDryRun('Error from server (NotFound): configmaps "x" not found')).toBe(false)
  })
})
