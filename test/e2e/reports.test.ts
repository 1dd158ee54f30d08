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
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: {
        testsuite: { tests: string; failures: string; skipped: string; timestamp: string; testcase: { name: string; failure?: unknown }[] }
      }
    }
    const suite = doc.testsuites.testsuite
    expect([suite.tests, suite.failures, suite.skipped]).toEqual(['14', '0', '0'])
    // When the run began, in UTC (the schema's dateTime has no zone): within the last two minutes.
    const began = Date.parse(`${suite.timestamp}Z`)
    expect(Date.now() - began).toBeGreaterThanOrEqual(0)
    expect(Date.now() - began).toBeLessThan(120_000)
    expect(suite.testcase.map((t) => t.name)[13]).toBe('14 call-api-revoked: Call /api again: the deleted token is refused')
  })

  it('--reporter tap prints TAP 13 that a TAP parser accepts; --transcript FILE.html writes the notebook as a page', async () => {
    const page = join(dir, 'transcript.html')
    const r = await kubewalk(['run', '--kubeconfig', kubeconfig, '--to', 'read-secret-token', '--reporter', 'tap', '--transcript', page])
    expect(r.exitCode).toBe(0)
    expect(r.stderr).toContain(`transcript written to ${page}`)
    const html = await readFile(page, 'utf8')
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html.match(/<h2>\d\d\. .*? \(<code>[a-z-]+<\/code>\) ✅<\/h2>/g)).toHaveLength(11)
    expect(html).toContain('<h2>11. ')
    expect(html).not.toMatch(/<script|<h2>12\./)
    expect(html).not.toMatch(TOKEN_SHAPED)
    expect(r.stdout).not.toMatch(TOKEN_SHAPED)
    const done = await new Promise<{ ok: boolean; count: number; pass: number; fail: number }>((resolve) => {
      const p = new Parser((results) => resolve(results as never))
      p.end(r.stdout)
    })
    expect(done).toMatchObject({ ok: true, count: 11, pass: 11, fail: 0 })
  })
})
