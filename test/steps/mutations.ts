// The shape of the failing-output tables (test/steps/checks-fail.test.ts) and the helpers that derive
// a wrong output from a recorded one. Each table belongs beside its walkthrough's tests.
import type { StepContext, StepOutput } from '../../src/core/step.js'

/** Prefix of an exercise's assertion names in the tables (`exercise:not expired`). */
export const EXERCISE = 'exercise:'

/** An output wrong in one way, and the assertion that must say so. */
export interface Mutation {
  /** The assertion that must fail, by name as the check produces it with the row's context; `exercise:…` for the exercise's. */
  fails: string
  /** What is wrong, in a few words (the test's title). */
  how: string
  output: StepOutput
  /** Changes to the context the step had in the recorded run (an http server in the kubeconfig, no step 01 table). */
  ctx?: Partial<StepContext>
  /** Assertions that cannot pass once this one fails, because they read what the mutation took away; all others must pass. */
  alsoFails?: readonly string[]
}

/** Another correct output whose check takes another branch, with assertions of its own to cover. */
export interface Variant {
  how: string
  output: StepOutput
  ctx?: Partial<StepContext>
}

/** What a guard's command prints, and whether the guard refuses (every pattern in its reason) or lets the step run. */
export interface GuardCase {
  how: string
  stdout: string
  ctx?: Partial<StepContext>
  /** Patterns the reason must match; absent when the step must run. */
  refuses?: readonly RegExp[]
}

/** One walkthrough's table, by step id. */
export interface FailureTable {
  /** A correct output of each step's exercise line (no recording runs it), derived from the recordings. */
  exercises: Record<string, StepOutput>
  variants: Record<string, readonly Variant[]>
  mutations: Record<string, readonly Mutation[]>
  guards: Record<string, readonly GuardCase[]>
}

/** `text` with its one occurrence of `from` replaced: a row that would test the recording unchanged throws instead. */
export function swap(text: string, from: string | RegExp, to: string): string {
  const count =
    typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from.source, `${from.flags.replace('g', '')}g`)) ?? []).length
  if (count !== 1) throw new Error(`expected ${String(from)} once in the recorded output, found it ${count} times`)
  return text.replace(from, () => to)
}

type Claims = Record<string, unknown>

/** A recorded JWT with its claims changed. Unsigned (header kept, empty signature): the steps only decode tokens. */
export function withClaims(token: string, change: (claims: Claims) => Claims): string {
  const [header, payload] = token.trim().split('.')
  if (header === undefined || payload === undefined) throw new Error('not a JWT')
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims
  return `${header}.${Buffer.from(JSON.stringify(change(claims))).toString('base64url')}.`
}

/** The claims without `name`. */
export function drop(claims: Claims, name: string): Claims {
  const rest = { ...claims }
  delete rest[name]
  return rest
}

/** The claims with their times (iat, nbf, exp) moved by `seconds`. */
export function shifted(claims: Claims, seconds: number): Claims {
  const out = { ...claims }
  for (const k of ['iat', 'nbf', 'exp']) if (typeof out[k] === 'number') out[k] = (out[k] as number) + seconds
  return out
}
