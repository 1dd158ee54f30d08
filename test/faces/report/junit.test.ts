import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { renderJunit } from '../../../src/faces/report/junit.js'
import type { RunResult, StepResult } from '../../../src/engine/runner.js'
import { cluster, failed, failedRun, passed, passedRun, secrets, skipped, token } from './runs.js'

interface Testcase {
  '@_name': string
  '@_classname': string
  '@_time': string
  failure?: { '#text': string; '@_message': string; '@_type': string }
  error?: unknown
  skipped?: { '@_message': string }
  'system-out'?: string
  'system-err'?: string
}
interface Suite {
  '@_name': string
  '@_timestamp': string
  '@_tests': string
  '@_failures': string
  '@_errors': string
  '@_skipped': string
  '@_time': string
  properties: { property: { '@_name': string; '@_value': string }[] }
  testcase: Testcase[]
  'system-out'?: string
}

function parse(xml: string): Suite {
  expect(XMLValidator.validate(xml)).toBe(true)
  const doc = new XMLParser({
    ignoreAttributes: false,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  }).parse(xml) as { testsuites: { testsuite: Suite[] } }
  expect(doc.testsuites.testsuite).toHaveLength(1)
  return doc.testsuites.testsuite[0] as Suite
}

describe('junit reporter', () => {
  it('is valid XML with one testsuite, its counts and the cluster as properties', () => {
    const xml = renderJunit(failedRun, cluster, { secrets: secrets() })
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')).toBe(true)
    const suite = parse(xml)
    expect(suite).toMatchObject({
      '@_name': 'kubewalk: kind-kind',
      '@_tests': '3',
      '@_failures': '1',
      '@_errors': '0',
      '@_skipped': '1',
      '@_time': '2.345',
    })
    // The Ant JUnit schema's timestamp: xs:dateTime without a zone or fraction (the run's start, UTC).
    expect(suite['@_timestamp']).toBe('2026-11-28T10:00:00')
    expect(suite.properties.property.map((p) => [p['@_name'], p['@_value']])).toEqual([
      ['cluster.name', 'kind-kind'],
      ['cluster.server', 'https://127.0.0.1:32784'],
      ['cluster.version', 'v1.28.3'],
      ['kubewalk.status', 'failed'],
    ])
    // Which namespace, and which kubectl played the walkthrough's, when the run knows.
    const named = parse(
      renderJunit(failedRun, { ...cluster, namespace: 'team-a', kubectl: { path: '/opt/kubectl-1.28/kubectl', version: 'v1.28.15' } }),
    )
    expect(named.properties.property.map((p) => [p['@_name'], p['@_value']])).toEqual([
      ['cluster.name', 'kind-kind'],
      ['cluster.server', 'https://127.0.0.1:32784'],
      ['cluster.version', 'v1.28.3'],
      ['cluster.namespace', 'team-a'],
      ['kubectl.path', '/opt/kubectl-1.28/kubectl'],
      ['kubectl.version', 'v1.28.15'],
      ['kubewalk.status', 'failed'],
    ])
  })

  it('has one testcase per step, named "NN id: title", timed in seconds', () => {
    const cases = parse(renderJunit(failedRun, cluster)).testcase
    expect(cases.map((c) => [c['@_classname'], c['@_name'], c['@_time']])).toEqual([
      ['kubewalk.kind-kind', '04 create-token: Mint a token', '0.120'],
      ['kubewalk.kind-kind', `05 call-api: ${failed.title}`, '1.540'],
      ['kubewalk.kind-kind', '06 token-duration: Read the token lifetime', '0.000'],
    ])
    expect(cases[0]).not.toHaveProperty('failure')
    expect(cases[2]?.skipped?.['@_message']).toBe('an earlier step failed (05 call-api)')
  })

  it('gives a failed step a one-line message, its code, the failed checks and the command', () => {
    const c = parse(renderJunit(failedRun, cluster)).testcase[1]
    expect(c?.failure?.['@_message']).toBe(failed.error?.message)
    expect(c?.failure?.['@_type']).toBe('E_ASSERTION')
    const body = c?.failure?.['#text'] ?? ''
    expect(body).toContain('✗ kind is APIVersions (the token was accepted)\n  expected: "APIVersions"\n  actual:   "Status"')
    expect(body).not.toContain('HTTP status is 200')
    expect(body).toContain(`$ ${failed.command}`)
    expect(c?.['system-out']).toContain(`$ ${failed.command}\n{"kind":"Status"`)
    expect(c?.['system-err']).toContain('warning: bell nul')
  })

  it('escapes markup and drops characters XML 1.0 forbids', () => {
    const xml = renderJunit(failedRun, cluster)
    expect(xml).not.toMatch(/[\x00-\x08\x0B\x0C\x0E-\x1F]/)
    expect(xml).not.toContain(']]>')
    expect(xml).toContain('&lt;b&gt;&amp;&lt;/b&gt;')
    const c = parse(xml).testcase[1]
    expect(c?.['system-out']).toContain('bell nul escred vt ff us')
    expect(c?.['system-err']).toContain('<b>&</b>')
    expect(c?.['@_name']).toContain('<with> "quotes" & \'apostrophes\'')
  })

  it.each([
    ['a lone surrogate', 'a\uD800b', 'ab'],
    ['U+FFFE', 'a\uFFFEb', 'ab'],
    ['an emoji (a surrogate pair) survives', 'a😀b', 'a😀b'],
    ['tab and newline survive', 'a\tb\nc', 'a\tb\nc'],
  ])('text with %s', (_, stdout, expected) => {
    const step: StepResult = { ...passed, captured: undefined, output: { stdout, stderr: '', exitCode: 0 } }
    expect(parse(renderJunit({ ...passedRun, steps: [step] }, cluster)).testcase[0]?.['system-out']).toBe(`$ ${passed.command}\n${expected}`)
  })

  it('masks tokens everywhere unless showSecrets', () => {
    const xml = renderJunit(failedRun, cluster, { secrets: secrets() })
    expect(xml).not.toContain(token)
    expect(xml).toContain(`TOKEN=eyJ…[masked token]`)
    expect(renderJunit(failedRun, cluster, { secrets: secrets(), showSecrets: true })).toContain(`TOKEN=${token}`)
  })

  it('lists cleanup in the suite output, and fails a "cleanup" testcase only when cleanup failed', () => {
    const ok = parse(renderJunit(failedRun, cluster))
    expect(ok['system-out']).toContain('cleanup done: delete Secret default-token\n  $ kubectl delete secret default-token')
    expect(ok.testcase.map((c) => c['@_name'])).not.toContain('cleanup')

    const left: RunResult = {
      ...passedRun,
      cleanup: [
        { describe: 'delete Secret default-token', command: 'kubectl delete secret default-token', status: 'failed', error: 'no answer within 30 s' },
      ],
    }
    const suite = parse(renderJunit(left, cluster))
    expect(suite).toMatchObject({ '@_tests': '3', '@_failures': '1', '@_skipped': '0' })
    const c = suite.testcase[2]
    expect(c?.['@_name']).toBe('cleanup')
    expect(c?.failure).toMatchObject({ '@_type': 'E_CLEANUP', '@_message': 'could not clean up delete Secret default-token' })
    expect(c?.failure?.['#text']).toContain('no answer within 30 s\n  run: kubectl delete secret default-token')
  })

  it('counts a failure of kubewalk itself as an error, and a passed run as all green', () => {
    const internal: StepResult = { ...failed, error: { name: 'Error', code: 'E_INTERNAL', message: 'call-api: boom\n  at x' } }
    const suite = parse(renderJunit({ ...failedRun, steps: [passed, internal, skipped] }, cluster))
    expect(suite).toMatchObject({ '@_failures': '0', '@_errors': '1', '@_skipped': '1' })
    expect(suite.testcase[1]).toHaveProperty('error')
    expect(suite.testcase[1]).not.toHaveProperty('failure')
    expect(parse(renderJunit(passedRun, cluster))).toMatchObject({ '@_tests': '2', '@_failures': '0', '@_errors': '0', '@_skipped': '0' })
  })

  it('says why steps were skipped in an interrupted run, and keeps one class for a dotted cluster name', () => {
    const run: RunResult = { ...passedRun, ok: false, status: 'interrupted', steps: [passed, skipped] }
    const suite = parse(renderJunit(run, { ...cluster, name: 'prod.example.com' }))
    expect(suite.testcase[1]?.skipped?.['@_message']).toBe('the run was interrupted')
    expect(suite.testcase[1]?.['@_classname']).toBe('kubewalk.prod_example_com')
    expect(suite['@_name']).toBe('kubewalk: prod.example.com')
  })
})
