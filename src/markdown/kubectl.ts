// What a kubectl line creates and deletes, as far as it can be known: before it runs (a server-side
// dry run of the same line), and after (kubectl's own `kind/name created` and `kind "name" deleted`).
import { parseAllDocuments } from 'yaml'
import { quote } from '../shell.js'
import type { Cleanup, Guard, StepOutput, Tracked } from '../step.js'
import { firstLineOf, splitCommands } from './lines.js'

const CREATING = /^kubectl\s+(?:(?:-n|--namespace|--context|--kubeconfig)(?:=|\s+)\S+\s+)*(create|apply|run|expose|replace)\b/

/** The creating verb of a line that is one kubectl create/apply/run/expose/replace command, else undefined (`create token` stores nothing). */
export function creatingVerb(command: string): string | undefined {
  const m = CREATING.exec(command.trim())
  if (m === null || /^kubectl\s+(?:\S+\s+)*?create\s+token\b/.test(command.trim())) return undefined
  return m[1]
}

/** Whether any command of the block creates (so the report can say what it could not check beforehand). */
export function mayCreate(block: string): boolean {
  return splitCommands(block).some((c) => /\bkubectl\s+(?:\S+\s+)*?(?:create|apply|run|expose|replace)\b/.test(firstLineOf(c.text)) && !/\bkubectl\s+(?:\S+\s+)*?create\s+token\b/.test(firstLineOf(c.text)))
}

/** The `-n NS` / `--namespace NS` a kubectl line gives, if any. */
export function namespaceFlag(line: string): string | undefined {
  return /(?:^|\s)(?:-n|--namespace)(?:=|\s+)([a-z0-9][a-z0-9-]*)(?=\s|$)/.exec(line)?.[1]
}

/** Where flags can go in a command's first line: before any heredoc, pipe, redirection or `--`; with what stands there. */
function flagsPoint(first: string): { at: number; before: string } {
  let quote: string | undefined
  let at = first.length
  for (let i = 0; i < first.length; i++) {
    const c = first[i] as string
    if (quote) {
      if (c === quote) quote = undefined
      else if (c === '\\' && quote === '"') i++
      continue
    }
    if (c === "'" || c === '"') quote = c
    else if (c === '\\') i++
    else if (/\s/.test(c) && /^\s+(?:<|>|\||&|;|--(?:\s|$))/.test(first.slice(i))) {
      at = i
      break
    }
  }
  return { at, before: first.slice(at).trim() }
}

/** Inserts `flags` into a command's first line before any heredoc, pipe, redirection or `--`. */
export function withFlags(command: string, flags: string): string {
  const [first = '', ...rest] = command.split('\n')
  const { at } = flagsPoint(first)
  return [`${first.slice(0, at).trimEnd()} ${flags}${first.slice(at)}`, ...rest].join('\n')
}

/**
 * A guard for a line that creates: the same line as a server-side dry run names what it would create,
 * and a read of each name says whether it exists already. Refuses (exit 2) when one does: `apply`
 * over an existing object changes it, so a check after the line would come too late.
 */
export function creationGuard(command: string): Guard | undefined {
  if (splitCommands(command).length !== 1 || !creatingVerb(command) || /--dry-run\b/.test(firstLineOf(command))) return undefined
  // A pipe, a list or an output redirection after the line: what it creates is not the line's alone.
  const { before } = flagsPoint(firstLineOf(command))
  if (before !== '' && !before.startsWith('<')) return undefined
  const ns = namespaceFlag(firstLineOf(command))
  const get = `kubectl get "$__kw_o"${ns ? ` -n ${quote(ns)}` : ''} --ignore-not-found -o name`
  const dry = withFlags(command, '--dry-run=server -o name 2>&1')
  return {
    command: `__kw_out=$(${dry}\n); __kw_rc=$?
if [ $__kw_rc -ne 0 ]; then
  case "$__kw_out" in *AlreadyExists*|*"already exists"*) printf 'EXISTS %s\\n' "$__kw_out"; exit 0;; esac
  printf '%s\\n' "$__kw_out" >&2; exit $__kw_rc
fi
for __kw_o in $__kw_out; do ${get}; done`,
    refuse: (out, ctx) => {
      const exists = /^EXISTS (.*)$/m.exec(out.stdout)
      if (exists) return `${(exists[1] ?? '').replace(/^Error from server \(AlreadyExists\):\s*/, '')} in namespace ${ns ?? ctx.namespace}, and it is not this run's; kubewalk leaves it as it is (delete or rename it, or replay with --isolate)`
      const names = out.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '')
      if (names.length === 0) return undefined
      return `${names.join(', ')} already ${names.length > 1 ? 'exist' : 'exists'} in namespace ${ns ?? ctx.namespace}, and ${names.length > 1 ? 'they are' : 'it is'} not this run's; kubewalk leaves ${names.length > 1 ? 'them' : 'it'} as ${names.length > 1 ? 'they are' : 'it is'} (delete or rename ${names.length > 1 ? 'them' : 'it'}, or replay with --isolate)`
    },
  }
}

/** `kind/name` of each `kind/name created` line (kubectl create, apply, run, expose). */
export function createdNames(text: string): string[] {
  return [...text.matchAll(/^([a-z0-9.-]+\/[a-z0-9][a-z0-9.:-]*) created\b/gm)].map((m) => m[1] as string)
}

/** `kind/name` of each `kind "name" deleted` line (kubectl delete; 1.37 adds "from NS namespace"). */
export function deletedNames(text: string): string[] {
  return [...text.matchAll(/^([a-z0-9.-]+) "([a-z0-9][a-z0-9.:-]*)" deleted\b/gm)].map((m) => `${m[1]}/${m[2]}`)
}

/** `kind/name` of each object in YAML manifests (lower-case kind, as kubectl names it). */
export function manifestNames(yaml: string): string[] {
  const out: string[] = []
  try {
    for (const doc of parseAllDocuments(yaml)) {
      if (!('errors' in doc) || doc.errors.length > 0) continue
      const v = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null
      if (typeof v?.kind === 'string' && typeof v.metadata?.name === 'string') out.push(`${v.kind.toLowerCase()}/${v.metadata.name}`)
    }
  } catch {
    // not a manifest
  }
  return out
}

/** The cleanup of one created object (deleted in the namespace the line named, else the run's). */
export function deletion(name: string, ns: string | undefined): Cleanup {
  return { describe: ns ? `${name} in namespace ${ns}` : name, command: `kubectl delete ${quote(name)}${ns ? ` -n ${quote(ns)}` : ''} --ignore-not-found` }
}

/** What a kubectl line's output says it created and deleted, plus cleanups an annotation declares. */
export function tracker(command: string, declared: readonly string[]): (out: StepOutput) => Tracked {
  const ns = namespaceFlag(firstLineOf(command))
  const annotated = declared.map((c) => ({ describe: c, command: c }))
  return (out) => ({
    created: [...createdNames(out.stdout).map((n) => deletion(n, ns)), ...annotated],
    deleted: deletedNames(out.stdout).map((n) => deletion(n, ns).describe),
  })
}
