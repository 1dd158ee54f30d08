// Reading what the guard wrote, and the cleanups made from it: deletions that leave another object of
// the same name alone (checked by uid), and restores of declared changes.
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import {
  deletesObject,
  deletionCommand,
  leftOver,
  readLedger,
  restoreCommands,
  takeRefusals,
  type ChangedObject,
  type LedgerObject,
} from '../../../src/engine/guard/ledger.js'
import { testDir } from '../../temp-dir.js'
import { configMap, harness } from './harness.js'

vi.setConfig({ testTimeout: 60_000 })

const obj = (name: string, uid: string, extra: Partial<LedgerObject> = {}): LedgerObject => ({
  kind: 'ConfigMap',
  group: '',
  name,
  namespace: 'default',
  uid,
  verb: 'apply',
  at: 't',
  ...extra,
})

describe('readLedger and takeRefusals', () => {
  it('an empty state dir is an empty ledger', async () => {
    const dir = await testDir('kw-ledger-')
    expect(await readLedger(dir)).toEqual({ created: [], deleted: [], changed: [], refusals: [] })
    expect(await takeRefusals(dir)).toEqual([])
  })
  it('sorts entries by type, in order; leftOver is what was created and not deleted since, newest first', async () => {
    const dir = await testDir('kw-ledger-')
    const lines = [
      { type: 'created', ...obj('a', 'u1') },
      { type: 'created', ...obj('b', 'u2') },
      { type: 'deleted', ...obj('a', 'u1', { verb: 'delete' }) },
      { type: 'created', ...obj('a', 'u3') },
      { type: 'refusal', message: 'kubewalk: refused: x', argv: ['delete', 'cm', 'x'], at: 't' },
    ]
    await writeFile(join(dir, 'ledger.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''))
    const ledger = await readLedger(dir)
    expect(ledger.created.map((o) => o.uid)).toEqual(['u1', 'u2', 'u3'])
    expect(ledger.deleted.map((o) => o.uid)).toEqual(['u1'])
    expect(ledger.refusals.map((r) => r.argv)).toEqual([['delete', 'cm', 'x']])
    expect(leftOver(ledger).map((o) => o.uid)).toEqual(['u3', 'u2'])
  })
})

describe('cleanups', () => {
  it('a deletion names the kubeconfig and context the call used', () => {
    expect(deletionCommand(obj('a', 'u1', { kubeconfig: '/k/c', context: 'lab' })).command).toBe(
      'kubectl delete configmap/a -n default --kubeconfig /k/c --context lab --ignore-not-found --wait=false',
    )
  })
  it('the command shown leaves out the run’s own kubeconfig copy (gone after the run); the script it runs keeps it', () => {
    const c = deletionCommand(obj('a', 'u1', { kubeconfig: '/run/kubeconfig' }), '/run/kubeconfig')
    expect(c.command).toBe('kubectl delete configmap/a -n default --ignore-not-found --wait=false')
    expect(c.script).toContain('kubectl delete configmap/a -n default --kubeconfig /run/kubeconfig --ignore-not-found')
    expect(deletionCommand(obj('a', 'u1', { kubeconfig: '/k/c' }), '/run/kubeconfig').command).toContain('--kubeconfig /k/c')
  })
  it('the deletion script deletes the run’s object, and leaves another object that now has its name', async () => {
    const h = await harness()
    await h.seed([configMap('mine', 'default', 'u-mine'), configMap('reborn', 'default', 'u-someone-else')])
    const env = { ...process.env, PATH: `${join(h.dir, 'real')}:${process.env.PATH}`, STANDIN_DIR: h.dir }
    for (const o of [obj('mine', 'u-mine'), obj('reborn', 'u-old')]) {
      const r = spawnSync('bash', ['-c', deletionCommand(o).script ?? 'false'], { env, encoding: 'utf8' })
      expect(r.status).toBe(0)
    }
    expect((await h.store()).map((o) => o.metadata.name)).toEqual(['reborn'])
  })
  it('a cleanup already deletes an object only when it names it word for word, in its namespace', () => {
    const secret = obj('default-token', 'u1', { kind: 'Secret' })
    expect(deletesObject('kubectl delete secret default-token --ignore-not-found', secret)).toBe(true)
    expect(deletesObject('kubectl delete secrets default-token', secret)).toBe(true)
    expect(deletesObject('kubectl delete secret/default-token -n default', secret)).toBe(true)
    expect(deletesObject('kubectl delete deployments.apps/web', obj('web', 'u2', { kind: 'Deployment', group: 'apps' }))).toBe(true)
    expect(deletesObject('kubectl delete networkpolicy deny-all', obj('deny-all', 'u3', { kind: 'NetworkPolicy' }))).toBe(true)
    expect(deletesObject('kubectl delete networkpolicies deny-all', obj('deny-all', 'u3', { kind: 'NetworkPolicy' }))).toBe(true)
    // Names that contain another's: the ConfigMap `app` is not deleted by the cleanup of `app-config`.
    expect(deletesObject('kubectl delete configmap app-config', obj('app', 'u4'))).toBe(false)
    expect(deletesObject('kubectl delete configmap/app-config', obj('app', 'u4'))).toBe(false)
    // The same name of another kind, or in another namespace, is another object.
    expect(deletesObject('kubectl delete secret app', obj('app', 'u4'))).toBe(false)
    expect(deletesObject('kubectl delete configmap app -n other', obj('app', 'u4'))).toBe(false)
    expect(deletesObject('kubectl delete configmap app --namespace=other', obj('app', 'u4'))).toBe(false)
    expect(deletesObject('kubectl delete -f app.yaml', obj('app', 'u4'))).toBe(false)
  })
  it('restores run last change first, with create for an object the run deleted', () => {
    const changed: ChangedObject[] = [
      { ...obj('a', 'u1'), file: '/s/before/u1.json', deleting: false },
      { ...obj('b', 'u2', { context: 'ctx' }), file: '/s/before/u2.json', deleting: true },
    ]
    expect(restoreCommands(changed)).toEqual([
      { describe: 'restore configmap/b in namespace default as it was before the run', command: 'kubectl create -f /s/before/u2.json --context ctx' },
      { describe: 'restore configmap/a in namespace default as it was before the run', command: 'kubectl replace -f /s/before/u1.json' },
    ])
  })
})
