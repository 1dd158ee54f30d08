// kubewalk/testing (and so `kubewalk test`): the offline checks on a walkthrough. The registry's
// walkthroughs pass them whole; each way to fall short is named by step and check.
import { describe, expect, it } from 'vitest'
import { defineStep, defineWalkthrough, equal, parseProse, truthy, type Step, type StepOutput } from 'kubewalk'
import { mutationsOf, testWalkthrough } from 'kubewalk/testing'
import { walkthroughs } from '../../walkthroughs/index.js'
import { tiny } from '../fixtures/tiny/index.js'

const loaded = await Promise.all(walkthroughs.map((e) => e.load()))

/** A one-step walkthrough whose recording says hello, with the given check and prose. */
function hello(check: Step<string>['check'], opts: { prose?: string | false; recorded?: string } = {}) {
  const step = defineStep({ id: 'say', number: '01', title: 'Say hello', command: 'echo hello', reads: [], parse: (out) => out.stdout.trim(), check })
  const prose = opts.prose ?? '## 01. Say hello (`say`)\n\n```bash\necho hello\n```\n'
  return defineWalkthrough({
    id: 'hello',
    title: 'Hello',
    vars: [],
    steps: [step],
    ...(prose === false ? {} : { prose: () => parseProse('hello.md', prose) }),
    recorded: (): Record<string, StepOutput> => (opts.recorded === undefined ? {} : { say: { stdout: opts.recorded, stderr: '', exitCode: 0 } }),
  })
}

describe('testWalkthrough', () => {
  it.each(loaded.map((w) => [w.id, w] as const))(
    'the registry walkthrough %s passes: every one of its checks fails on some change to its recording',
    (_id, w) => {
      const t = testWalkthrough(w)
      expect(t.shortfalls).toEqual([])
      // Every step of a shipped walkthrough checks something, so there is at least a check a step to fail.
      expect(t.checks.length).toBeGreaterThanOrEqual(w.steps.length)
      expect(t.checks.every((c) => c.failedBy !== undefined)).toBe(true)
    },
  )

  it("the article's checks for an absence are failed by another step's recording (no word of the recording can add a row or a claim)", () => {
    const t = testWalkthrough(loaded.find((w) => w.id === 'article')!)
    expect(t.checks.find((c) => c.check === 'no default-token Secret yet')?.failedBy).toMatch(/the recording of step \d\d /)
    expect(t.checks.find((c) => c.check === 'no expiry (exp)')?.failedBy).toMatch(/recording of step \d\d /)
  })

  it('passes a walkthrough whose one check fails when the word changes', () => {
    const t = testWalkthrough(hello((v) => [equal('it says hello', 'hello', v)], { recorded: 'hello\n' }))
    expect(t).toMatchObject({ ok: true, shortfalls: [], recorded: 1, checks: [{ step: 'say', check: 'it says hello' }] })
  })

  it('names the step and the check that no change to the recording can fail', () => {
    const t = testWalkthrough(hello((v) => [equal('it says hello', 'hello', v), truthy('always fine', true)], { recorded: 'hello\n' }))
    expect(t.ok).toBe(false)
    expect(t.shortfalls).toEqual([
      {
        kind: 'cannot-fail',
        step: 'say',
        check: 'always fine',
        message: 'step 01 say: no change to its recording fails its check "always fine" (a check that cannot fail proves nothing).',
      },
    ])
  })

  it('names the step and the check that rejects its own recording (the tiny fixture recorded "deleted", its check wants "removed")', () => {
    const t = testWalkthrough(tiny)
    expect(t.shortfalls).toEqual([
      {
        kind: 'rejected',
        step: 'tidy',
        check: 'it says removed',
        message: 'step 03 tidy: its recording fails its check "it says removed" (expected "removed", got "deleted").',
      },
    ])
  })

  it('says when a step has no recording, its parser rejects it, or the prose does not show its line', () => {
    expect(testWalkthrough(hello((v) => [equal('it says hello', 'hello', v)])).shortfalls.map((s) => s.message)).toEqual([
      'step 01 say: no recording, so its checks are never tried (kubewalk record writes one).',
    ])
    const throwing = defineWalkthrough({
      ...hello(() => []),
      steps: [
        defineStep({
          id: 'say',
          number: '01',
          title: 't',
          command: 'echo hello',
          reads: [],
          parse: () => {
            throw new Error('nothing to read')
          },
          check: () => [],
        }),
      ],
      recorded: () => ({ say: { stdout: 'x', stderr: '', exitCode: 0 } }),
    })
    expect(testWalkthrough(throwing).shortfalls.map((s) => s.message)).toEqual(['step 01 say: its parser rejects its recording: nothing to read'])
    const other = testWalkthrough(
      hello((v) => [equal('it says hello', 'hello', v)], { recorded: 'hello\n', prose: '## 01. Say hello (`say`)\n\n```bash\necho bonjour\n```\n' }),
    )
    expect(other.shortfalls.map((s) => s.message)).toEqual(['step 01 say: the prose shows "echo bonjour", the step runs "echo hello".'])
    expect(
      testWalkthrough(hello((v) => [equal('it says hello', 'hello', v)], { recorded: 'hello\n', prose: false })).shortfalls.map((s) => s.kind),
    ).toEqual(['prose'])
  })

  it('reports a broken contract (a value built without defineWalkthrough)', () => {
    const w = { ...hello((v) => [equal('it says hello', 'hello', v)], { recorded: 'hello\n' }), id: 'Not An Id' }
    expect(testWalkthrough(w).shortfalls[0]).toMatchObject({ kind: 'contract', message: expect.stringContaining('id "Not An Id"') })
  })
})

describe('mutationsOf', () => {
  const all = (stdout: string, captured?: string) => [
    ...mutationsOf({ stdout, stderr: '', exitCode: 0, ...(captured !== undefined ? { captured } : {}) }),
  ]

  it('changes a table cell in place, so the columns still line up', () => {
    // `kubectl get namespace default` on the lab (v1.37.2).
    const table = 'NAME      STATUS   AGE\ndefault   Active   2s\n'
    const m = all(table).find((x) => x.how === 'stdout: word "Active" changed')
    expect(m?.output.stdout).toBe('NAME      STATUS   AGE\ndefault   Activf   2s\n')
  })

  it('removes and changes each field of a JSON document, keeping its indentation', () => {
    const hows = all('{\n  "kind": "Status",\n  "code": 401\n}\n').map((m) => m.how)
    expect(hows).toEqual(expect.arrayContaining(['stdout: JSON kind removed', 'stdout: JSON code: 401 + 1', 'stdout: JSON code: 401 moved far']))
    expect(all('{\n  "kind": "Status",\n  "code": 401\n}\n').find((m) => m.how === 'stdout: JSON kind removed')?.output.stdout).toBe(
      '{\n  "code": 401\n}\n',
    )
  })

  it("changes a JWT's claims (also inside base64), leaving its header and signature", () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const jwt = `${enc({ alg: 'RS256' })}.${enc({ sub: 'me', exp: 100 })}.c2lnbmF0dXJlc2ln`
    const removed = all('', jwt).find((m) => m.how === 'captured: JWT claim exp removed')
    expect(removed?.output.captured).toBe(`${enc({ alg: 'RS256' })}.${enc({ sub: 'me' })}.c2lnbmF0dXJlc2ln`)
    const inBase64 = all(`token: ${Buffer.from(jwt).toString('base64')}\n`).find((m) => m.how === 'stdout: base64 JWT claim sub: "me" changed')
    expect(Buffer.from(inBase64!.output.stdout.slice('token: '.length).trim(), 'base64').toString()).toBe(
      `${enc({ alg: 'RS256' })}.${enc({ sub: 'mf', exp: 100 })}.c2lnbmF0dXJlc2ln`,
    )
  })

  it('never yields the recording itself, nor the same output twice', () => {
    const ms = all('a a\n')
    const keys = ms.map((m) => JSON.stringify(m.output))
    expect(new Set(keys).size).toBe(keys.length)
    expect(ms.some((m) => m.output.stdout === 'a a\n' && m.output.exitCode === 0 && m.output.captured === undefined)).toBe(false)
  })
})
