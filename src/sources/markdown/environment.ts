// An environment listing (`printenv`, `env`): one NAME=value a line. A Pod's environment holds its image's
// variables and its cluster's Service variables beside the ones the page sets, in no set order, and a page
// records the author's. So a listing compares as a set of variables by name: a recorded variable the output
// has must have its value; one it lacks is real only when the page itself sets it.
import type { DriftItem } from '../../core/drift.js'
import { ELISION } from './elision.js'

const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/

/**
 * Whether every line of a recording but its elisions is NAME=value with an upper-case NAME, two at least (one line
 * is a line, not a listing). Lower-case keys and values all in quotes are a file of keys (the downward API's
 * `cluster="test-cluster1"`), compared line by line.
 */
export function isVariableListing(lines: readonly string[]): boolean {
  const shown = lines.filter((l) => l.trim() !== '' && !ELISION.test(l)).map((l) => VARIABLE.exec(l.trim()))
  if (shown.length < 2 || shown.some((m) => m === null || !/^[A-Z_][A-Z0-9_]*$/.test(m[1] as string))) return false
  return !shown.every((m) => /^".*"$/.test(m?.[2] ?? ''))
}

/** NAME → value, first one kept; a line that is no NAME=value continues the value before it (env prints a newline in a value as is). */
function variables(lines: readonly string[]): { vars: Map<string, string>; stray: string[] } {
  const vars = new Map<string, string>()
  const stray: string[] = []
  let last: string | undefined
  for (const line of lines) {
    if (line.trim() === '' || ELISION.test(line)) continue
    const m = VARIABLE.exec(line.trim())
    if (m !== null) {
      last = m[1] as string
      if (!vars.has(last)) vars.set(last, m[2] as string)
    } else if (last !== undefined) vars.set(last, `${vars.get(last) ?? ''}\n${line}`)
    else stray.push(line)
  }
  return { vars, stray }
}

/** What the page's lines set is held to the output. */
export interface ListingOptions {
  /** Whether the page's own lines set the variable (its manifests' `env`, its `export` lines) or the value it shows. */
  setByPage: (name: string, value: string) => boolean
  /** Classifies a value that differs (kind `real` when it comes): times, addresses, the run's choices, pinned values. */
  judge: (item: DriftItem) => DriftItem
}

/** A recorded environment listing against the output's, variable by variable, in any order. */
export function compareListings(recorded: readonly string[], live: readonly string[], opts: ListingOptions): DriftItem[] {
  const r = variables(recorded).vars
  const { vars: l, stray } = variables(live)
  // An exec that failed says so in a line of its own: no environment to read the author's variables away from.
  if (l.size === 0)
    return [
      {
        path: '',
        article: recorded.join('\n'),
        live: live.join('\n'),
        kind: 'real',
        note: 'the recording lists environment variables; the output none',
      },
    ]
  const items: DriftItem[] = []
  for (const [name, value] of r) {
    const path = `$${name}`
    const seen = l.get(name)
    if (seen === undefined) {
      items.push(
        opts.setByPage(name, value)
          ? { path, article: value, kind: 'real', note: `the page sets ${name} (or its value); the output lacks it` }
          : { path, article: value, kind: 'expected', note: `a variable of the author's image or cluster; this Pod's environment has no ${name}` },
      )
    } else if (seen !== value) items.push(opts.judge({ path, article: value, live: seen, kind: 'real', note: 'the output shows another value' }))
  }
  for (const [name, value] of l)
    if (!r.has(name))
      items.push({ path: `$${name}`, live: value, kind: 'version', note: "only in this output: a variable of this Pod's image or cluster" })
  for (const line of stray)
    items.push({ path: 'line', live: line, kind: 'version', note: 'only in this output: the recording may come from another version' })
  return items
}
