// Reading what the guard wrote, and the cleanups made from it: deletions that leave another object of
// the same name alone (checked by uid), and restores of declared changes.
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import {
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
