// A failure never looks like success: every assertion of every step of every walkthrough in the
// registry (and of its exercise) fails on an output wrong in exactly that way, derived from what the
// walkthrough recorded, while the other assertions still pass; every guard refuses what it is there
// to refuse and lets the step run otherwise. The last test lists the assertions no row makes fail.
import { describe, expect, it } from 'vitest'
import type { Assertion, Step, StepContext, StepOutput } from '../../src/core/step.js'
import type { Walkthrough } from '../../src/core/walkthrough.js'
import { walkthroughs } from '../../walkthroughs/index.js'
import { ctx } from '../helpers.js'
import { podTokenFailures } from '../pod-token/mutations.js'
import { rbacPodsFailures } from '../rbac-pods/mutations.js'
import { articleFailures } from './article.mutations.js'
import { EXERCISE, type FailureTable } from './mutations.js'

/** The failing-output table of each walkthrough, by id; a walkthrough without one covers nothing. */
const tables: Record<string, FailureTable> = { article: articleFailures, 'rbac-pods': rbacPodsFailures, 'pod-token': podTokenFailures }
const EMPTY: FailureTable = { exercises: {}, variants: {}, mutations: {}, guards: {} }

const loaded: Walkthrough[] = await Promise.all(walkthroughs.map((e) => e.load()))

/** How a step stood in the recorded run: its output, its context, and the context after it (its variable set) for its exercise. */
interface Recorded {
  output?: StepOutput
  before: StepContext
  after: StepContext
}

/** Replays a walkthrough's recordings through its parsers, as `kubewalk run` would have seen them. */
function replay(w: Walkthrough): Map<string, Recorded> {
  const recorded = w.recorded?.() ?? {}
  const values = new Map<string, unknown>()
  const vars: Record<string, string> = {}
  const at = w.source?.recordedAt
  const base = (): StepContext =>
    ctx({
      vars: { ...vars },
      values: new Map(values),
      settings: Object.fromEntries((w.settings ?? []).map((s) => [s.name, s.default])),
      ...(w.source?.cluster ? { cluster: w.source.cluster, clusters: [w.source.cluster] } : {}),
      ...(at ? { now: at } : {}),
    })
  const run = new Map<string, Recorded>()
  for (const step of w.steps) {
    const before = base()
    const out = recorded[step.id]
    if (out !== undefined) {
      values.set(step.id, step.parse(out, before))
      if (step.writes && out.captured !== undefined) vars[step.writes.name] = out.captured
    }
    run.set(step.id, { ...(out ? { output: out } : {}), before, after: base() })
  }
  return run
}

const isExercise = (name: string): boolean => name.startsWith(EXERCISE)

/** The assertions of a step's check, or of its exercise's (names prefixed `exercise:`), on an output. */
function judge(step: Step<any>, exercise: boolean, out: StepOutput, c: StepContext): Assertion[] {
  if (!exercise) return step.check(step.parse(out, c), c)
  const ex = step.participantCheck
  if (typeof ex !== 'object') throw new Error(`step ${step.id} has no exercise of its own`)
  return ex.check(ex.parse(out, c), c).map((a) => ({ ...a, name: EXERCISE + a.name }))
}

const stepOf = (w: Walkthrough, id: string): Step<any> => {
  const step = w.steps.find((s) => s.id === id)
  if (step === undefined) throw new Error(`walkthrough ${w.id} has no step ${id}`)
  return step
}

/** Each correct output of a walkthrough, with its context: the recordings, the exercises' outputs, the variants. */
function goodOutputs(w: Walkthrough, table: FailureTable): { step: Step<any>; exercise: boolean; how: string; output: StepOutput; c: StepContext }[] {
  const run = replay(w)
  return w.steps.flatMap((step) => {
    const r = run.get(step.id)
    if (r === undefined) return []
    const exercise = table.exercises[step.id]
    return [
      ...(r.output ? [{ step, exercise: false, how: 'recorded', output: r.output, c: r.before }] : []),
      ...(exercise ? [{ step, exercise: true, how: 'exercise', output: exercise, c: r.after }] : []),
      ...(table.variants[step.id] ?? []).map((v) => ({ step, exercise: false, how: v.how, output: v.output, c: { ...r.before, ...v.ctx } })),
    ]
  })
}

describe.each(loaded.map((w) => [w.id, w, tables[w.id] ?? EMPTY] as const))('walkthrough %s', (_id, w, table) => {
  const run = replay(w)

  it.each(goodOutputs(w, table).map((g) => [g.step.id, g.how, g] as const))('%s passes its checks on its %s output', (_s, _h, g) => {
    expect(judge(g.step, g.exercise, g.output, g.c).filter((a) => !a.ok)).toEqual([])
  })

  const rows = Object.entries(table.mutations).flatMap(([id, ms]) => ms.map((m) => [id, m.fails, m.how, m] as const))
  it.each(rows)('%s: "%s" fails on %s, and only what it takes with it', (id, _f, _h, m) => {
    const step = stepOf(w, id)
    const exercise = isExercise(m.fails)
    const r = run.get(id)!
    const c = { ...(exercise ? r.after : r.before), ...m.ctx }
    const results = judge(step, exercise, m.output, c)
    expect(results.map((a) => a.name)).toContain(m.fails)
    expect(
      results
        .filter((a) => !a.ok)
        .map((a) => a.name)
        .sort(),
    ).toEqual([m.fails, ...(m.alsoFails ?? [])].sort())
  })

  const guards = Object.entries(table.guards).flatMap(([id, cases]) =>
    cases.map((g) => [id, g.refuses ? 'refuses' : 'lets it run', g.how, g] as const),
  )
  it.each(guards)("%s's guard %s: %s", (id, _v, _h, g) => {
    const step = stepOf(w, id)
    expect(step.guard, `step ${id} has no guard`).toBeDefined()
    const reason = step.guard!.refuse({ stdout: g.stdout, stderr: '', exitCode: 0 }, { ...run.get(id)!.before, ...g.ctx })
    if (g.refuses === undefined) expect(reason).toBeUndefined()
    else {
      expect(reason).toBeTypeOf('string')
      for (const pattern of g.refuses) expect(reason).toMatch(pattern)
    }
  })
})

describe('every check fails somewhere', () => {
  it('no assertion, exercise assertion or guard of a walkthrough in the registry goes without a case that fails it', () => {
    const uncovered: string[] = []
    for (const w of loaded) {
      const table = tables[w.id] ?? EMPTY
      const run = replay(w)
      const failed = new Set(Object.entries(table.mutations).flatMap(([id, ms]) => ms.map((m) => `${id}: ${m.fails}`)))
      const produced = new Set<string>()
      for (const step of w.steps) {
        if (run.get(step.id)?.output === undefined) uncovered.push(`${w.id} ${step.id}: no recorded output to judge`)
        if (typeof step.participantCheck === 'object' && table.exercises[step.id] === undefined)
          uncovered.push(`${w.id} ${step.id}: no correct output for its exercise`)
        if (step.guard !== undefined) {
          const cases = table.guards[step.id] ?? []
          if (!cases.some((g) => g.refuses !== undefined)) uncovered.push(`${w.id} ${step.id}: guard refuses`)
          if (!cases.some((g) => g.refuses === undefined)) uncovered.push(`${w.id} ${step.id}: guard lets it run`)
        }
      }
      for (const g of goodOutputs(w, table)) for (const a of judge(g.step, g.exercise, g.output, g.c)) produced.add(`${g.step.id}: ${a.name}`)
      for (const name of produced) if (!failed.has(name)) uncovered.push(`${w.id} ${name}`)
    }
    expect(uncovered).toEqual([])
  })
})
