// Lines the prose makes conditional ("If you are running a multi-container Pod, …") that read an object no line
// of the page makes: a reader outside that case does not run them, and on any cluster they would only fail NotFound.
import { splitCommands } from './lines.js'

// The prose's last paragraph before the line opens with a condition on the reader.
const CONDITION = /(?:^|\n\s*\n)\s*(If\s[^,.:\n]*)[^\n]*\s*$/i
// `kubectl get|describe|logs [KIND] NAME` (`pod NAME`, `pod/NAME`).
const READS = /^kubectl(?:\s+-{1,2}[\w-]+(?:[= ]\S+)?)*\s+(?:get|describe|logs)\s+(?:([a-z][\w.]*)\s+)?([a-z][\w.-]*\/)?([a-z0-9][\w.-]*)/

/** Why a step is left to the readers its prose names (the object it reads no line makes), or undefined. */
export function conditionalOn(draft: { command: string; prose: string }, made: readonly string[]): string | undefined {
  const condition = CONDITION.exec(draft.prose)?.[1]
  const cmds = splitCommands(draft.command)
  if (condition === undefined || cmds.length !== 1) return undefined
  const m = READS.exec((cmds[0]?.text ?? '').trim())
  const name = m?.[3]
  if (m === undefined || m === null || name === undefined || (m[1] === undefined && m[2] === undefined) || made.includes(name)) return undefined
  return `the page runs it only for a reader in its case ("${condition.trim()}, …"), and no line of the page makes ${name}`
}
