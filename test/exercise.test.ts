import { describe, expect, it } from 'vitest'
import { exerciseStep } from '../src/exercise.js'
import { commandOf } from '../src/step.js'
import { steps } from '../steps/index.js'

const cluster = { name: 'x', server: 'https://x' }
// `kubectl create token` is allowed: a TokenRequest stores nothing on the cluster.
const CHANGES = /\bkubectl\s+(apply|create(?! token)|delete|patch|edit|replace|label|annotate)\b/

describe('exercises for kubewalk check', () => {
  it('every step has one, and each has a hint', () => {
    for (const s of steps) {
      expect(s.exercise, s.id).toBeDefined()
      expect(s.hint, s.id).toBeTruthy()
    }
  })
  it.each(steps.map((s) => [s.id, s] as const))('%s: the check changes nothing on the cluster', (_id, step) => {
    const check = exerciseStep(step)
    expect(check.cleanup).toBeUndefined()
    expect(check.settles).toBeUndefined()
    // "self" checks run the article's own line; only lines that change nothing may be checked that way.
    expect(commandOf(check, { cluster })).not.toMatch(CHANGES)
  })
})
