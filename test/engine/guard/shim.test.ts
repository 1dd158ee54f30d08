// The guard as bash runs it: the function and the shim see the argv bash parsed, so comments,
// continuations, heredocs, pipes, lists and variables are guarded by construction. The real kubectl is
// a stand-in (stand-in-kubectl.mjs) answering in kubectl's documented JSON shapes: these tests prove
// kubewalk's own logic, not a server's.
import { spawnSync } from 'node:child_process'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { readLedger, restoreCommands, takePlugins, takeRefusals } from '../../../src/engine/guard/ledger.js'
import { absoluteKubectlCalls, resolveRealKubectl } from '../../../src/engine/guard/shim.js'
import { configMap, harness, node } from './harness.js'
import { testDir } from '../../temp-dir.js'

// Each guarded call runs node (the hook) and the stand-in a few times: slow on a loaded machine.
vi.setConfig({ testTimeout: 60_000 })

const cm = (name: string, extra: object = {}): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { b: '2' }, ...extra })
const dryRuns = (calls: { argv: string[] }[]): string[][] => calls.filter((c) => c.argv.includes('--dry-run=server')).map((c) => c.argv)
const real = (calls: { argv: string[] }[], verb: string): string[][] =>
  calls.filter((c) => c.argv[0] === verb && !c.argv.some((a) => a.startsWith('--dry-run'))).map((c) => c.argv)

// Every case both ways: the function asking the kubewalk process (server.ts), and the hook (the shim's way, and the function's fallback).
describe.each(['server', 'hook'] as const)('checked by the %s', (via) => {
  const guarded = (mode: Parameters<typeof harness>[0] = {}, o: Parameters<typeof harness>[1] = {}): ReturnType<typeof harness> =>
    harness(mode, { ...o, via })

  describe('a call that changes nothing', () => {
    it.each([
      ['get pods -n kube-system'],
      ['create token default --duration 10m'],
      ['version'],
      ['auth can-i get pods'],
      ['config view'],
      ['logs pod/x'],
      ['rollout status deploy/x'],
      ['apply view-last-applied cm/x'],
      ['apply -f cm.json --dry-run=client'],
    ])('runs the real kubectl once, unchanged: kubectl %s', async (args) => {
      const h = await guarded()
      const r = await h.run(`kubectl ${args}`)
      expect(r.status).toBe(0)
      expect((await h.calls()).map((c) => c.argv.join(' '))).toEqual([args.replace(/ +/g, ' ')])
      expect(r.stdout).toBe(`stand-in ${args}\n`)
    })
  })

  describe('a change to an object that is not the run’s', () => {
    it('is refused even when a trailing comment follows the line (the comment never reaches kubectl)', async () => {
      const h = await guarded()
      await h.seed([configMap('app')])
      await writeFile(join(h.dir, 'cm.json'), cm('app'))
      const r = await h.run('kubectl apply -f cm.json # --dry-run=client would have been swallowed')
      expect(r.status).toBe(2)
      expect(r.stderr).toBe(
        "kubewalk: refused: configmap/app in namespace default is not this run's; kubewalk leaves it as it is (declare the change in the walkthrough, pass --allow-changes, or replay with --isolate)\n",
      )
      expect(real(await h.calls(), 'apply')).toEqual([])
      expect((await h.store())[0]?.metadata.resourceVersion).toBe('7')
      expect(await takeRefusals(h.stateDir)).toHaveLength(1)
      expect(await takeRefusals(h.stateDir)).toEqual([])
    })
    // pflag takes a single-letter flag's value attached (`-nother`, `-f-`) and a cluster's last letter's from the next word.
    it.each([
      ['delete configmap app -nother', 'other'],
      ['delete configmap app -n=other', 'other'],
      ['-nother delete configmap app', 'other'],
      // A global flag's value given as the next word is not the verb.
      ['--log-flush-frequency 5s delete configmap app', 'default'],
      ["apply -f- <<'EOF'\n" + '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},"data":{"b":"2"}}\nEOF', 'default'],
      ["apply -Rf - <<'EOF'\n" + '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},"data":{"b":"2"}}\nEOF', 'default'],
    ])('is refused with its flags written as pflag reads them: kubectl %s', async (args, ns) => {
      const h = await guarded()
      await h.seed([configMap('app', ns)])
      const r = await h.run(`kubectl ${args}`)
      expect(r.status).toBe(2)
      expect(r.stderr).toContain(`kubewalk: refused: configmap/app in namespace ${ns} is not this run's`)
      expect(await h.store()).toEqual([configMap('app', ns)])
    })
    it('in a pipe, is recorded out of band and stops the line (the function signals its shell)', async () => {
      const h = await guarded()
      await h.seed([configMap('app')])
      await writeFile(join(h.dir, 'cm.json'), cm('app'))
      const r = await h.run('cat cm.json | kubectl apply -f - | cat; echo after', { trap: 'echo stopped >&2; exit 130' })
      expect(r.status).toBe(130)
      expect(r.stdout).not.toContain('after')
      expect(r.stderr).toContain('stopped')
      expect((await readLedger(h.stateDir)).refusals.map((x) => x.object?.name)).toEqual(['app'])
    })
    it('in a list without a trap (stopSignal null), the rest runs but the refusal is still in the refusals file', async () => {
      const h = await guarded({}, { stopSignal: null })
      await h.seed([configMap('app')])
      const r = await h.run('kubectl label configmap app team=x; echo ok', { trap: '' })
      expect(r.stdout).toBe('ok\n')
      expect(r.status).toBe(0)
      // label only changes what exists: the dry run's answer carries the uid, no read is needed.
      expect((await h.calls()).map((c) => c.argv.join(' '))).toEqual(['label configmap app team=x --dry-run=server -o json'])
      expect((await takeRefusals(h.stateDir)).map((x) => x.message)).toEqual([expect.stringContaining('configmap/app in namespace default')])
    })
    it('through the shim from a child process (xargs) is refused too', async () => {
      const h = await guarded()
      await h.seed([configMap('app')])
      const r = await h.run('echo app | xargs kubectl delete configmap')
      expect(r.status).toBe(123)
      expect(r.stderr).toContain('kubewalk: refused: configmap/app in namespace default')
      expect(await h.store()).toHaveLength(1)
      expect(await takeRefusals(h.stateDir)).toHaveLength(1)
    })
    it('edit is refused without a dry run (only a read of what it names)', async () => {
      const h = await guarded()
      await h.seed([configMap('app')])
      const r = await h.run('kubectl edit configmap app')
      expect(r.status).toBe(2)
      const calls = await h.calls()
      expect(calls.map((c) => c.argv[0])).toEqual(['get'])
      expect(dryRuns(calls)).toEqual([])
    })
    it('where the server cannot dry-run (a webhook), says so and refuses; the run’s own object passes', async () => {
      const h = await guarded()
      await h.seed([configMap('app')])
      await writeFile(join(h.dir, 'cm.json'), cm('app'))
      await writeFile(join(h.dir, 'mine.json'), cm('mine'))
      expect((await h.run('kubectl apply -f mine.json')).status).toBe(0)
      // The stand-in answers every server dry run as a webhook without dry-run support would.
      const r = await h.run('STANDIN_NODRYRUN=1 kubectl apply -f cm.json')
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(/^kubewalk: refused: configmap\/app in namespace default cannot be dry-run by the server/)
      // A new object cannot be told apart from another's change without the server: refused as well.
      await writeFile(join(h.dir, 'new.json'), cm('new'))
      expect((await h.run('STANDIN_NODRYRUN=1 kubectl apply -f new.json')).status).toBe(2)
      expect(await h.run('STANDIN_NODRYRUN=1 kubectl apply -f mine.json')).toMatchObject({ status: 0, stdout: 'configmap/mine configured\n' })
    })
  })

  describe('a dry run the server refuses for another reason', () => {
    const nsFail = `STANDIN_DRYFAIL='Error from server (NotFound): namespaces "mixed" not found'`
    it('a manifest whose namespace it creates itself: the objects come from a client-side dry run, are checked, and recorded', async () => {
      const h = await guarded()
      await h.seed([configMap('other')])
      await writeFile(join(h.dir, 'other.json'), cm('other'))
      await writeFile(join(h.dir, 'new.json'), cm('fresh'))
      expect((await h.run(`${nsFail} kubectl apply -f other.json`)).status).toBe(2)
      const r = await h.run(`${nsFail} kubectl apply -f new.json`)
      expect(r).toMatchObject({ status: 0, stdout: 'configmap/fresh created\n' })
      expect((await h.calls()).some((c) => c.argv.includes('--dry-run=client'))).toBe(true)
      expect((await readLedger(h.stateDir)).created.map((o) => o.name)).toEqual(['fresh'])
    })
    it('create over an existing object: the real call runs and fails in kubectl’s own words (nothing changes)', async () => {
      const h = await guarded()
      await h.seed([configMap('other')])
      const r = await h.run('kubectl create configmap other')
      expect(r).toMatchObject({ status: 1, stderr: 'Error from server (AlreadyExists): configmaps "other" already exists\n' })
      expect(await takeRefusals(h.stateDir)).toEqual([])
    })
  })

  describe('the run’s own objects', () => {
    it('a line split by a continuation creates; the ledger has its uid, kubeconfig and context; re-applying it is allowed', async () => {
      const h = await guarded()
      await writeFile(join(h.dir, 'cm.json'), cm('app'))
      const r = await h.run('KUBECONFIG=/tmp/kc kubectl apply \\\n  --context lab \\\n  -f cm.json')
      expect(r.stdout).toBe('configmap/app created\n')
      const [stored] = await h.store()
      const { created } = await readLedger(h.stateDir)
      expect(created).toEqual([
        expect.objectContaining({
          kind: 'ConfigMap',
          name: 'app',
          namespace: 'default',
          uid: stored?.metadata.uid,
          kubeconfig: '/tmp/kc',
          context: 'lab',
          verb: 'apply',
        }),
      ])
      const again = await h.run('kubectl apply -f cm.json')
      expect(again).toMatchObject({ status: 0, stdout: 'configmap/app configured\n' })
    })
    it('a heredoc is read once and the same bytes go to the dry run and the real call', async () => {
      const h = await guarded()
      const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: here\ndata:\n  k: v\n'
      const r = await h.run(`kubectl apply -f - <<'EOF'\n${doc}EOF`)
      expect(r.stderr).toBe('')
      expect(r).toMatchObject({ status: 0, stdout: 'configmap/here created\n' })
      const applies = (await h.calls()).filter((c) => c.argv[0] === 'apply')
      expect(applies.map((c) => c.stdin)).toEqual([doc, doc])
      expect(applies[0]?.argv).toEqual(['apply', '-f', '-', '--dry-run=server', '-o', 'json', '--validate=false'])
      expect(applies[1]?.argv).toEqual(['apply', '-f', '-'])
    })
    it('reads before the call only what the dry run says is stored already (no resourceVersion: it would be created)', async () => {
      const h = await guarded()
      await h.seed([configMap('old')])
      await writeFile(join(h.dir, 'old.json'), cm('old'))
      await writeFile(join(h.dir, 'cm.json'), cm('fresh'))
      expect(await h.run('kubectl apply -f cm.json')).toMatchObject({ status: 0, stdout: 'configmap/fresh created\n' })
      const first = (await h.calls()).map((c) => c.argv.join(' '))
      // The dry run, the real call, then the read that records the new object's uid: no read before.
      expect(first).toEqual([
        'apply -f cm.json --dry-run=server -o json --validate=false',
        'apply -f cm.json',
        'get -n default configmap/fresh -o json --ignore-not-found',
      ])
      const fresh = (await h.store()).find((o) => o.metadata.name === 'fresh')
      expect((await readLedger(h.stateDir)).created).toEqual([expect.objectContaining({ name: 'fresh', uid: fresh?.metadata.uid })])
      const r = await h.run('kubectl apply -f old.json')
      expect(r.status).toBe(2)
      const reads = (await h.calls()).slice(first.length).filter((c) => c.argv.includes('get'))
      expect(reads.map((c) => c.argv.join(' '))).toEqual(['get -n default configmap/old -o json --ignore-not-found'])
      expect((await h.store()).map((o) => o.metadata.name).sort()).toEqual(['fresh', 'old'])
    })
    it('a process substitution is buffered: the dry run and the real call read the same bytes', async () => {
      const h = await guarded()
      await writeFile(join(h.dir, 'cm.json'), cm('sub'))
      const r = await h.run('kubectl apply -f <(cat cm.json)')
      expect(r).toMatchObject({ status: 0, stdout: 'configmap/sub created\n' })
      expect((await h.store()).map((o) => o.metadata.name)).toEqual(['sub'])
    })
    it('variables, && lists and several kubectl lines: a created object may be changed and deleted later; the ledger says so', async () => {
      const h = await guarded()
      const r = await h.run('name=app2\nkubectl create configmap "$name" && kubectl label configmap $name team=x\nkubectl delete configmap/$name')
      expect(r.stderr).toBe('')
      expect(r.stdout).toBe('configmap/app2 created\nconfigmap/app2 labeled\nconfigmap "app2" deleted\n')
      const ledger = await readLedger(h.stateDir)
      expect(ledger.created.map((o) => o.name)).toEqual(['app2'])
      expect(ledger.deleted.map((o) => o.uid)).toEqual(ledger.created.map((o) => o.uid))
    })
    it('a delete of the run’s own object asks the server for no dry run; of another’s, it does and is refused', async () => {
      const h = await guarded()
      await h.seed([configMap('theirs')])
      expect((await h.run('kubectl create configmap mine')).status).toBe(0)
      const before = (await h.calls()).length
      expect(await h.run('kubectl delete configmap mine')).toMatchObject({ status: 0, stdout: 'configmap "mine" deleted\n' })
      const own = (await h.calls()).slice(before)
      expect(dryRuns(own)).toEqual([])
      expect(own.map((c) => c.argv[0])).toEqual(['get', 'delete'])
      const other = (await h.calls()).length
      expect((await h.run('kubectl delete configmap theirs')).status).toBe(2)
      expect(dryRuns((await h.calls()).slice(other))).toHaveLength(1)
      expect((await h.store()).map((o) => o.metadata.name)).toEqual(['theirs'])
    })
    it('generateName: the object the server named is recorded, not the dry run’s name', async () => {
      const h = await guarded()
      await writeFile(join(h.dir, 'gen.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'job-' } }))
      const r = await h.run('kubectl create -f gen.json')
      expect(r.status).toBe(0)
      const [stored] = await h.store()
      expect((await readLedger(h.stateDir)).created.map((o) => [o.name, o.uid])).toEqual([[stored?.metadata.name, stored?.metadata.uid]])
    })
    it('flags go before `--`: what follows is the container’s command', async () => {
      const h = await guarded()
      const r = await h.run('kubectl run box --image=busybox -- sleep 10')
      expect(r.status).toBe(0)
      expect(dryRuns(await h.calls())).toEqual([['run', 'box', '--image=busybox', '--dry-run=server', '-o', 'json', '--', 'sleep', '10']])
      expect((await readLedger(h.stateDir)).created.map((o) => o.name)).toEqual(['box'])
    })
  })

  describe('replace --force and apply --prune', () => {
    it('replace --force of the run’s own object: dry run without --force; the new uid is the run’s, the old one deleted', async () => {
      const h = await guarded()
      await writeFile(join(h.dir, 'cm.json'), cm('app'))
      expect((await h.run('kubectl create -f cm.json')).status).toBe(0)
      const r = await h.run('kubectl replace --force -f cm.json')
      expect(r).toMatchObject({ status: 0, stderr: '' })
      expect(dryRuns(await h.calls()).at(-1)).toEqual(['replace', '-f', 'cm.json', '--dry-run=server', '-o', 'json', '--validate=false'])
      const { created, deleted } = await readLedger(h.stateDir)
      expect(created.map((o) => o.uid)).toEqual([created[0]?.uid, (await h.store())[0]?.metadata.uid])
      expect(deleted.map((o) => o.uid)).toEqual([created[0]?.uid])
    })
    it('apply --prune: what it would prune is checked like what it applies', async () => {
      const h = await guarded()
      await h.seed([configMap('old')])
      await writeFile(join(h.dir, 'cm.json'), cm('app'))
      {
        const r = await h.run('STANDIN_PRUNE=configmap/old kubectl apply --prune -l app=x -f cm.json')
        expect(r.status).toBe(2)
        expect(r.stderr).toContain('refused: configmap/old in namespace default')
        expect((await h.store()).map((o) => o.metadata.name)).toEqual(['old'])
        await h.seed([])
        expect((await h.run('kubectl create configmap old')).status).toBe(0)
        expect(await h.run('STANDIN_PRUNE=configmap/old kubectl apply --prune -l app=x -f cm.json')).toMatchObject({
          status: 0,
          stdout: 'configmap/app created\nconfigmap/old pruned\n',
        })
        expect((await readLedger(h.stateDir)).deleted.map((o) => o.name)).toEqual(['old'])
      }
    })
    it('a guard that cannot work fails closed: the call does not run', async () => {
      const h = await guarded()
      const { rm } = await import('node:fs/promises')
      await rm(join(h.stateDir, 'guard.json'))
      const r = await h.run('kubectl create configmap x')
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(/^kubewalk: refused: the guard could not check this call \(.*guard\.json.*\); it did not run\n$/)
      expect(await h.calls()).toEqual([])
    })
  })

  // kubectl's kuberc changes a call without showing in its argv: the guard decides on the call as kubectl runs it.
  describe('a kuberc (kubectl 1.34+, or 1.33 with KUBECTL_KUBERC=true)', () => {
    const kuberc = (h: { dir: string }, body: string): Promise<void> =>
      writeFile(join(h.dir, 'kuberc'), `apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\n${body}`)
    const aliasAp = 'aliases:\n- name: ap\n  command: apply\n'
    const deleteIn = (ns: string): string => `defaults:\n- command: delete\n  options:\n  - name: namespace\n    default: ${ns}\n`

    it('an alias of apply over an object that is not the run’s is refused as apply would be: the alias never runs', async () => {
      const h = await guarded()
      await h.seed([configMap('app')])
      await writeFile(join(h.dir, 'cm.json'), cm('app'))
      await kuberc(h, aliasAp)
      const r = await h.run('export KUBERC=$PWD/kuberc\nkubectl ap -f cm.json # a note')
      expect(r.status).toBe(2)
      expect(r.stderr).toContain("kubewalk: refused: configmap/app in namespace default is not this run's")
      const calls = (await h.calls()).map((c) => c.argv)
      expect(dryRuns(await h.calls())).toEqual([['apply', '-f', 'cm.json', '--dry-run=server', '-o', 'json', '--validate=false']])
      expect(calls.filter((a) => a[0] === 'ap')).toEqual([])
      expect((await h.store())[0]?.metadata.resourceVersion).toBe('7')
    })
    it('a default namespace moves a delete: the object it names there is checked, and refused', async () => {
      const h = await guarded()
      await h.seed([configMap('app', 'other')])
      await kuberc(h, deleteIn('other'))
      const r = await h.run('export KUBERC=$PWD/kuberc\nkubectl delete configmap app')
      expect(r.status).toBe(2)
      expect(r.stderr).toContain("kubewalk: refused: configmap/app in namespace other is not this run's")
      expect(real(await h.calls(), 'delete')).toEqual([])
      expect(await h.store()).toEqual([configMap('app', 'other')])
    })
    it('kubectl 1.33 without KUBECTL_KUBERC=true reads no kuberc: its default does not move the check away from the object', async () => {
      const h = await guarded()
      await h.seed([configMap('app')])
      await kuberc(h, deleteIn('other'))
      const r = await h.run('export KUBERC=$PWD/kuberc STANDIN_MINOR=33\nkubectl delete configmap app')
      expect(r.status).toBe(2)
      expect(r.stderr).toContain("kubewalk: refused: configmap/app in namespace default is not this run's")
      expect(await h.store()).toEqual([configMap('app')])
    })
    it('a kuberc document kubectl cannot decode is passed over, as kubectl passes it over: its alias does not exist', async () => {
      const h = await guarded()
      // Its alias reads as YAML up to the unclosed `[`; kubectl's decoder rejects the whole document.
      await writeFile(
        join(h.dir, 'kuberc'),
        'apiVersion: kubectl.config.k8s.io/v1beta1\nkind: Preference\naliases:\n- name: ap\n  command: apply\ndefaults: [\n',
      )
      const r = await h.run('export KUBERC=$PWD/kuberc\nkubectl ap -f cm.json')
      expect(r.stdout).toBe('stand-in ap -f cm.json\n')
      expect(dryRuns(await h.calls())).toEqual([])
    })
    it('with KUBERC=off (a run’s default) a word that is no command of kubectl’s runs at once, unguarded and unasked', async () => {
      const h = await guarded()
      await kuberc(h, aliasAp)
      const r = await h.run('export KUBERC=off\nkubectl ap -f cm.json')
      expect(r.stdout).toBe('stand-in ap -f cm.json\n')
      expect((await h.calls()).map((c) => c.argv)).toEqual([['ap', '-f', 'cm.json']])
    })
  })

  describe('modes', () => {
    it('--isolate: everything in a namespace the run created is the run’s', async () => {
      const h = await guarded({ namespaces: ['kw-1'] })
      await h.seed([configMap('app', 'kw-1')])
      expect((await h.run('kubectl label configmap app -n kw-1 a=b')).status).toBe(0)
      expect((await h.run('kubectl label configmap app -n default a=b')).status).toBe(1)
    })
    it('--lab: everything on a lab this run started is the run’s', async () => {
      const h = await guarded({ lab: true })
      await h.seed([configMap('app')])
      expect((await h.run('kubectl delete configmap app')).status).toBe(0)
      expect(await h.store()).toEqual([])
    })
    it('a declared change (node/*) is allowed, its state saved first, and a restore offered', async () => {
      const h = await guarded({ allow: ['node/*'] })
      await h.seed([node('n1'), configMap('app')])
      const r = await h.run('kubectl cordon n1 && kubectl label node n1 disk=ssd')
      expect(r.stderr).toBe('')
      const { changed } = await readLedger(h.stateDir)
      expect(changed.map((c) => [c.kind, c.name, c.uid])).toEqual([['Node', 'n1', 'uid-n1']])
      const saved = JSON.parse(await readFile(changed[0]?.file ?? '', 'utf8'))
      expect(saved).toEqual({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { zone: 'a' } }, spec: {} })
      const restore = restoreCommands(changed)
      expect(restore.map((c) => c.describe)).toEqual(['restore node/n1 (cluster-scoped) as it was before the run'])
      // Cleanup runs outside the kernel: plain bash, the real kubectl on PATH.
      const env = { ...process.env, PATH: `${join(h.dir, 'real')}:${process.env.PATH}`, STANDIN_DIR: h.dir }
      expect(spawnSync('bash', ['-c', restore[0]?.command ?? 'false'], { env, encoding: 'utf8' }).status).toBe(0)
      const n1 = (await h.store()).find((o) => o.kind === 'Node') as unknown as { metadata: { uid: string; labels: object }; spec: object }
      expect([n1.metadata.uid, n1.metadata.labels, n1.spec]).toEqual(['uid-n1', { zone: 'a' }, {}])
      expect((await h.run('kubectl label configmap app a=b')).status).toBe(2)
    })
  })
})

describe('the real kubectl', () => {
  it('is the first on PATH behind the guard’s own folder, never the shim itself', async () => {
    const h = await harness()
    const path = `${h.guard.binDir}:${join(h.dir, 'real')}`
    expect(await resolveRealKubectl('kubectl', path, h.guard.binDir)).toBe(join(h.dir, 'real', 'kubectl'))
    await expect(resolveRealKubectl('kubectl', h.guard.binDir, h.guard.binDir)).rejects.toThrow(/No kubectl found on PATH/)
  })
  it('the shim alone (no function) passes reads through and guards changes', async () => {
    const h = await harness()
    await h.seed([configMap('app')])
    const env = { ...process.env, ...h.guard.env, STANDIN_DIR: h.dir }
    expect(spawnSync('bash', ['-c', 'kubectl get cm app -o name'], { env, encoding: 'utf8' }).stdout).toBe('stand-in get cm app -o name\n')
    expect(spawnSync('bash', ['-c', 'type -t kubectl'], { env, encoding: 'utf8' }).stdout).toBe('file\n')
    expect(spawnSync('bash', ['-c', 'kubectl annotate cm app a=b'], { env, encoding: 'utf8' }).status).toBe(2)
  })
})

describe('a kubectl plugin', () => {
  it('is run, and named in the plugins file by the function and the shim alike; a word that is no plugin is not', async () => {
    const h = await harness()
    await writeFile(join(h.dir, 'real', 'kubectl-hello'), '#!/bin/sh\necho hello\n')
    await chmod(join(h.dir, 'real', 'kubectl-hello'), 0o755)
    const r = await h.run('kubectl hello world; kubectl gte pods')
    expect((await h.calls()).map((c) => c.argv.join(' '))).toEqual(['hello world', 'gte pods'])
    expect(r.status).toBe(0)
    expect(await takePlugins(h.stateDir)).toEqual(['kubectl-hello'])
    expect(await takePlugins(h.stateDir)).toEqual([])
    const env = { ...process.env, ...h.guard.env, STANDIN_DIR: h.dir }
    expect(spawnSync('bash', ['-c', 'kubectl hello; kubectl hello'], { env, encoding: 'utf8' }).status).toBe(0)
    expect(await takePlugins(h.stateDir)).toEqual(['kubectl-hello'])
  })
})

describe('absoluteKubectlCalls', () => {
  it.each([
    ['/usr/local/bin/kubectl get pods', ['/usr/local/bin/kubectl']],
    ['echo x | /opt/k/kubectl apply -f - && kubectl get pods', ['/opt/k/kubectl']],
    ['kubectl get pods; $(/bin/kubectl version)', ['/bin/kubectl']],
    ['kubectl get pods # see /usr/bin/kubectl-foo', []],
    ['./kubectl get pods', []],
  ])('%s', (line, found) => {
    expect(absoluteKubectlCalls(line)).toEqual(found)
  })
})

describe.each(['server', 'hook'] as const)('kubectl config, checked by the %s', (via) => {
  it('writes the run’s own kubeconfig (inside the run’s folder), and reads any', async () => {
    const h = await harness({}, { via })
    const r = await h.run('kubectl config set-context --current --namespace=demo; kubectl config view --kubeconfig /etc/hosts')
    expect(r.status).toBe(0)
    expect((await h.calls()).map((c) => c.argv.join(' '))).toEqual([
      'config set-context --current --namespace=demo',
      'config view --kubeconfig /etc/hosts',
    ])
    expect(await takeRefusals(h.stateDir)).toEqual([])
  })
  it('refuses to write a kubeconfig of the user’s: by --kubeconfig, by KUBECONFIG, or ~/.kube/config when none is set', async () => {
    const h = await harness({}, { via, stopSignal: null })
    const mine = await testDir('kw-users-kubeconfig-')
    const file = join(mine, 'config')
    await writeFile(file, 'apiVersion: v1\nkind: Config\n')
    for (const line of [
      `kubectl config set-context --current --namespace=demo --kubeconfig=${file}`,
      `KUBECONFIG=${h.dir}/no-kubeconfig:${file} kubectl config use-context other`,
      `unset KUBECONFIG; HOME=${mine} kubectl config set-cluster c --server=https://1.2.3.4`,
    ]) {
      const r = await h.run(line)
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(
        /^kubewalk: refused: `kubectl config (set-context|use-context|set-cluster)` would write .*, a kubeconfig that is not the run's;/,
      )
    }
    expect(await h.calls()).toEqual([])
    expect(await readFile(file, 'utf8')).toBe('apiVersion: v1\nkind: Config\n')
    expect(await takeRefusals(h.stateDir)).toHaveLength(3)
  })
})
