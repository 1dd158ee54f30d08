import { describe, expect, it } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkNamespaceName, isolatedName, namespaceCleanup } from '../../src/engine/namespaces.js'
import { runScript } from '../../src/platform/shell.js'
import { testDir } from '../temp-dir.js'

describe('namespaces', () => {
  it.each(['team-a', 'a', 'x1', 'a'.repeat(63)])('accepts %s', (n) => expect(checkNamespaceName('--namespace', n)).toBe(n))
  it.each(['Team', 'team_a', '-a', 'a-', '', 'a.b', 'a'.repeat(64), 'a b', '$(rm)'])('refuses %j in one line naming the flag', (n) => {
    expect(() => checkNamespaceName('--namespace', n)).toThrow(
      new RegExp(`^--namespace ${JSON.stringify(n).replace(/[.*+?^${}()|[\]\\$]/g, '\\$&')} is not a namespace name`),
    )
  })
  it('names isolated namespaces kubewalk- and 8 hex digits, each new', () => {
    const a = isolatedName()
    expect(a).toMatch(/^kubewalk-[0-9a-f]{8}$/)
    expect(checkNamespaceName('x', a)).toBe(a)
    expect(isolatedName()).not.toBe(a)
  })
  // A stand-in kubectl (a unit test's fake; the e2e suite holds a namespace with a real finalizer):
  // `delete` ends as kubectl does at its --timeout, `get` says whether the namespace is still there.
  async function withKubectl(deleteExit: number, stillThere: boolean): Promise<{ env: Record<string, string>; log: string }> {
    const dir = await testDir('kubewalk-ns-test-')
    const log = join(dir, 'log')
    await writeFile(
      join(dir, 'kubectl'),
      `#!/bin/bash\necho "$*" >> ${JSON.stringify(log)}\ncase "$1" in\n  delete) [ ${deleteExit} = 0 ] || echo 'error: timed out waiting for the condition on namespaces/x' >&2; exit ${deleteExit} ;;\n  get) exit ${stillThere ? 0 : 1} ;;\nesac\n`,
      { mode: 0o755 },
    )
    return { env: { PATH: `${dir}:${process.env.PATH ?? ''}` }, log }
  }
  it('deletes an isolated namespace and waits until it is gone, within its own bound', async () => {
    const c = namespaceCleanup('kubewalk-0123abcd', 120_000)
    expect(c.timeoutMs).toBeGreaterThan(120_000)
    const { env, log } = await withKubectl(0, false)
    const r = await runScript(c.script ?? c.command, { env: { ...process.env, ...env }, timeoutMs: 10_000 })
    expect(r.exitCode).toBe(0)
    expect(await readFile(log, 'utf8')).toBe('delete namespace kubewalk-0123abcd --ignore-not-found --wait=true --timeout=120s\n')
  })
  it('names a namespace still Terminating at the bound, and the command to watch it', async () => {
    const c = namespaceCleanup('kubewalk-0123abcd', 5_000)
    const { env } = await withKubectl(1, true)
    const r = await runScript(c.script ?? c.command, { env: { ...process.env, ...env }, timeoutMs: 10_000 })
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toBe(
      'namespace kubewalk-0123abcd is still Terminating after 5 s (a finalizer holds it); watch it with: kubectl get namespace kubewalk-0123abcd -w\n',
    )
  })
  it("passes on kubectl's own error when the namespace is gone after all", async () => {
    const c = namespaceCleanup('kubewalk-0123abcd', 5_000)
    const { env } = await withKubectl(1, false)
    const r = await runScript(c.script ?? c.command, { env: { ...process.env, ...env }, timeoutMs: 10_000 })
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('timed out waiting for the condition')
  })
})
