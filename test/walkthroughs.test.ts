// Every walkthrough in the registry keeps the contract: it loads and validates, its prose has one
// section per step showing the step's line, every step can be checked without changing anything,
// and what it recorded passes its own checks.
import { describe, expect, it } from 'vitest'
import { exerciseStep } from '../src/core/exercise.js'
import { commandOf, type Step } from '../src/core/step.js'
import { walkthroughProblems, type Walkthrough } from '../src/core/walkthrough.js'
import { walkthroughs } from '../walkthroughs/index.js'
import { ctx } from './helpers.js'

const loaded: Walkthrough[] = await Promise.all(walkthroughs.map((e) => e.load()))
const placeholder = { cluster: { name: 'some_server_name', server: '' }, namespace: 'default' }
// `kubectl create token` is allowed: a TokenRequest stores nothing on the cluster.
const CHANGES = /\bkubectl\s+(apply|create(?! token)|delete|patch|edit|replace|label|annotate)\b/

describe('the registry', () => {
  it('lists the article first (the default), then rbac-pods and pod-token, each loading the walkthrough of its id', () => {
    expect(walkthroughs.map((e) => e.id)).toEqual(['article', 'rbac-pods', 'pod-token'])
    expect(loaded.map((w) => w.id)).toEqual(['article', 'rbac-pods', 'pod-token'])
  })
})

describe.each(loaded.map((w) => [w.id, w] as const))('walkthrough %s', (_id, w) => {
  const sections = w.prose?.() ?? []
  it('keeps the contract', () => {
    expect(walkthroughProblems(w)).toEqual([])
  })
  it('has one prose section per step, in order, with matching ids', () => {
    expect(sections.map((s) => [s.number, s.id])).toEqual(w.steps.map((s) => [s.number, s.id]))
  })
  it.each(w.steps.map((s) => [s.id, s] as const))("shows %s's command exactly as the step runs it", (id, step) => {
    // A step that leaves a value to the reader shows the placeholder the prose uses.
    expect(sections.find((s) => s.id === id)?.command).toBe(commandOf(step, placeholder))
  })
  it('explains every step', () => {
    for (const s of sections) expect(s.explanation.length, s.id).toBeGreaterThan(60)
  })
  it.each(w.steps.map((s) => [s.id, s] as const))('%s: has a hint, and its check changes nothing on the cluster', (_id, step) => {
    expect(step.hint, step.id).toBeTruthy()
    const check = exerciseStep(step as Step<any>)
    expect(check.creates).toBeUndefined()
    expect(check.deletes).toBeUndefined()
    expect(check.guard).toBeUndefined()
    expect(commandOf(check, placeholder)).not.toMatch(CHANGES)
  })
  it('passes its own checks on what it recorded', () => {
    const recorded = w.recorded?.() ?? {}
    const values = new Map<string, unknown>()
    const vars: Record<string, string> = {}
    const at = w.source?.recordedAt
    for (const step of w.steps) {
      const out = recorded[step.id]
      // Every step has its recording: a missing one would leave its checks untried here.
      expect(out, `${step.id} has no recording`).toBeDefined()
      if (!out) continue
      const c = ctx({
        vars: { ...vars },
        values,
        settings: Object.fromEntries((w.settings ?? []).map((s) => [s.name, s.default])),
        ...(w.source?.cluster ? { cluster: w.source.cluster, clusters: [w.source.cluster] } : {}),
        ...(at ? { now: at } : {}),
      })
      const value = step.parse(out, c)
      values.set(step.id, value)
      if (step.writes && out.captured !== undefined) vars[step.writes.name] = out.captured
      expect(
        step.check(value, c).filter((a) => !a.ok),
        step.id,
      ).toEqual([])
    }
  })
})
