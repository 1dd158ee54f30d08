import { describe, expect, it } from 'vitest'
import { exerciseStep } from '../../src/core/exercise.js'
import { defineStep, equal } from '../../src/core/step.js'

const base = {
  number: '01',
  title: 't',
  command: 'kubectl get x',
  reads: [],
  parse: (o: { stdout: string }) => o.stdout,
  check: (v: string) => [equal('x', 'x', v)],
}

describe('exerciseStep', () => {
  it('keeps a "self" step\'s wait, capped, and drops what would change the cluster', () => {
    const step = defineStep({
      ...base,
      id: 'a',
      participantCheck: 'rerun',
      wait: { for: 'it', timeoutMs: 30_000, intervalMs: 250 },
      guard: { command: 'true', refuse: () => undefined },
    })
    const check = exerciseStep(step, { maxWaitMs: 10_000 })
    expect(check.wait).toEqual({ for: 'it', timeoutMs: 10_000, intervalMs: 250 })
    expect(check.guard).toBeUndefined()
  })
  it("runs an exercise's own line with its own wait, capped, and keeps the step's number and hint", () => {
    const step = defineStep({
      ...base,
      id: 'b',
      hint: 'do it',
      participantCheck: {
        command: 'kubectl get y',
        reads: [],
        parse: (o) => o.stdout,
        check: () => [],
        wait: { for: 'y', timeoutMs: 30_000, intervalMs: 100 },
      },
    })
    const check = exerciseStep(step, { maxWaitMs: 5_000 })
    expect(check).toMatchObject({ id: 'b', number: '01', command: 'kubectl get y', hint: 'do it', wait: { timeoutMs: 5_000 } })
  })
  it("turns a rerun step's precondition into a failed check: a participant gets a no, not a refusal", () => {
    const step = defineStep({
      ...base,
      id: 'p',
      participantCheck: 'rerun',
      check: (v: string) => [{ ...equal('nothing there yet', '', v), precondition: 'something is there already, so the replay stops' }],
    })
    const replayed = step.check('x', {} as never)
    expect(replayed[0]?.precondition).toBe('something is there already, so the replay stops')
    const checked = exerciseStep(step).check('x', {} as never)
    expect(checked).toEqual([{ name: 'nothing there yet', ok: false, expected: '', actual: 'x' }])
  })
  it('refuses a step with nothing to check', () => {
    expect(() => exerciseStep(defineStep({ ...base, id: 'c' }))).toThrow(
      /check c: check is not available for this step: it has nothing a participant can check/,
    )
  })
})
