// CI reports from real runs against the lab: JUnit XML and TAP 13, checked with real parsers.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { Parser } from 'tap-parser'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { kubewalk } from './cli.js'
import { TOKEN_SHAPED } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
let dir: string
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'kubewalk-reports-'))))
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe.skipIf(kubeconfig === '')(`CI reports from the lab ${skipReason}`, () => {
  it('--reporter junit --out writes valid JUnit XML, one passing testcase per step', async () => {
    const file = join(dir, 'junit.xml')
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--reporter', 'junit', '--out', file])
    expect(r.exitCode).toBe(0)
    const xml = await readFile(file, 'utf8')
    expect(XMLValidator.validate(xml)).toBe(true)
    expect(xml).not.toMatch(TOKEN_SHAPED)
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as { testsuites: { testsuite: { tests: string; failures: string; skipped: string; testcase: { name: string; failure?: unknown }[] } } }
    const suite = doc.testsuites.testsuite
    expect([suite.tests, suite.failures, suite.skipped]).toEqual(['14', '0', '0'])
    expect(suite.testcase.map((t) => t.name)[13]).toBe('14 call-api-revoked: Call /api again: the deleted token is refused')
  })

  it('--reporter tap prints TAP 13 that a TAP parser accepts', async () => {
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--to', 'read-secret-token', '--reporter', 'tap'])
    expect(r.exitCode).toBe(0)
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    const done = await new Promise<{ ok: boolean; count: number; pass: number; fail: number }>((resolve) => {
      const p = new Parser((results) => resolve(results as never))
      p.end(r.stdout)
    })
    expect(done).toMatchObject({ ok: true, count: 11, pass: 11, fail: 0 })
  })
})
