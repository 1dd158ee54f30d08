// What a kubectl line creates and deletes, as far as it can be known: before it runs (a server-side
// dry run of the same line), and after (kubectl's own `kind/name created` and `kind "name" deleted`).
import { parseAllDocuments } from 'yaml'
import { quote } from '../../platform/shell.js'
import type { Cleanup, Guard, StepOutput, Tracked } from '../../core/step.js'
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
  return splitCommands(block).some(
    (c) =>
      /\bkubectl\s+(?:\S+\s+)*?(?:create|apply|run|expose|replace)\b/.test(firstLineOf(c.text)) &&
      !/\bkubectl\s+(?:\S+\s+)*?create\s+token\b/.test(firstLineOf(c.text)),
  )
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

// What the dry run prints of each object: its kind/name and the namespace the server put it in (a
// manifest may name its own), whether kubectl prints one object or a List of them.
const OBJECT = '{{.kind}}/{{.metadata.name}} {{.metadata.namespace}}{{"\\n"}}'
const TEMPLATE = `{{if .items}}{{range .items}}KWOBJ ${OBJECT}{{end}}{{else}}KWOBJ ${OBJECT}{{end}}`

/**
 * A guard for a line that creates: the same line as a server-side dry run names what it would create
 * and in which namespace (the line's, the manifest's own, or the run's), and a read of each name there
 * says whether it exists already. Refuses (exit 2) when one does: `apply` over an existing object
 * changes it, so a check after the line would come too late.
 */
export function creationGuard(command: string): Guard | undefined {
  if (splitCommands(command).length !== 1 || !creatingVerb(command) || /--dry-run\b/.test(firstLineOf(command))) return undefined
  // A pipe, a list or an output redirection after the line: what it creates is not the line's alone.
  const { before } = flagsPoint(firstLineOf(command))
  if (before !== '' && !before.startsWith('<')) return undefined
  const ns = namespaceFlag(firstLineOf(command))
  const dry = (mode: string, err: string): string => withFlags(command, `--dry-run=${mode} -o go-template=${quote(TEMPLATE)} ${err}`)
  // Where the server refuses (create over an existing object), a client-side dry run still names
  // the objects and the namespaces their manifest gives ('.' for none: the line's or the run's).
  return {
    command: `__kw_unset=-; __kw_out=$(${dry('server', '2>&1')}
); __kw_rc=$?
if [ $__kw_rc -ne 0 ]; then
  case "$__kw_out" in
    *AlreadyExists*|*"already exists"*) printf 'EXISTS %s\\n' "$__kw_out"; __kw_unset=.; __kw_out=$(${dry('client', '2>/dev/null')}
) ;;
    *) printf '%s\\n' "$__kw_out" >&2; exit $__kw_rc ;;
  esac
fi
printf '%s\\n' "$__kw_out" | while read -r __kw_k __kw_o __kw_n; do
  [ "$__kw_k" = KWOBJ ] || continue
  if [ -z "$__kw_n" ] || [ "$__kw_n" = '<no value>' ]; then __kw_f=$(kubectl get "$__kw_o"${ns ? ` -n ${quote(ns)}` : ''} --ignore-not-found -o name) || exit $?; __kw_n=$__kw_unset
  else __kw_f=$(kubectl get "$__kw_o" -n "$__kw_n" --ignore-not-found -o name) || exit $?; fi
  [ -z "$__kw_f" ] || printf 'FOUND %s %s\\n' "$__kw_f" "$__kw_n"
done`,
    refuse: (out, ctx) => {
      const exists = /^EXISTS (.*)$/m.exec(out.stdout)
      const found = [...out.stdout.matchAll(/^FOUND (\S+) (\S+)$/gm)].map((m) => ({ name: m[1] as string, ns: m[2] as string }))
      if (exists && found.length === 0)
        return `${(exists[1] ?? '').replace(/^Error from server \(AlreadyExists\):\s*/, '')} in namespace ${ns ?? ctx.namespace}, and it is not this run's; kubewalk leaves it as it is (delete or rename it, or replay with --isolate)`
      if (found.length === 0) return undefined
      const where = (n: string): string => (n === '-' ? 'the cluster' : `namespace ${n === '.' ? (ns ?? ctx.namespace) : n}`)
      const places = [...new Set(found.map((f) => f.ns))]
      const what =
        places.length === 1
          ? `${found.map((f) => f.name).join(', ')} already ${found.length > 1 ? 'exist' : 'exists'} in ${where(places[0] as string)}`
          : `${found.map((f) => `${f.name} (${where(f.ns)})`).join(', ')} already exist`
      const many = found.length > 1
      return `${what}, and ${many ? 'they are' : 'it is'} not this run's; kubewalk leaves ${many ? 'them' : 'it'} as ${many ? 'they are' : 'it is'} (delete or rename ${many ? 'them' : 'it'}, or replay with --isolate)`
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

/** An object a manifest names: `kind/name` (lower-case kind, as kubectl names it), and its own namespace if it gives one. */
export interface ManifestObject {
  name: string
  namespace?: string
}

/** The objects in YAML manifests. */
export function manifestObjects(yaml: string): ManifestObject[] {
  const out: ManifestObject[] = []
  try {
    for (const doc of parseAllDocuments(yaml)) {
      if (!('errors' in doc) || doc.errors.length > 0) continue
      const v = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null
      if (typeof v?.kind !== 'string' || typeof v.metadata?.name !== 'string') continue
      out.push({
        name: `${v.kind.toLowerCase()}/${v.metadata.name}`,
        ...(typeof v.metadata.namespace === 'string' ? { namespace: v.metadata.namespace } : {}),
      })
    }
  } catch {
    // not a manifest
  }
  return out
}

/** The namespace a manifest gives `created` (kubectl's `kind[.group]/name`), if one of `objects` is it and gives one. */
export function manifestNamespace(created: string, objects: readonly ManifestObject[]): string | undefined {
  const [kind = '', name] = created.split('/')
  return objects.find((o) => o.name === `${kind.split('.')[0]}/${name}`)?.namespace
}

/** The cleanup of one created object (deleted in the namespace the line named, else the run's). */
export function deletion(name: string, ns: string | undefined): Cleanup {
  return {
    describe: ns ? `delete ${name} in namespace ${ns}` : `delete ${name}`,
    command: `kubectl delete ${quote(name)}${ns ? ` -n ${quote(ns)}` : ''} --ignore-not-found`,
  }
}

/** What a kubectl line's output says it created and deleted (in the namespace its manifest gives, else the line's), plus cleanups an annotation declares. */
export function tracker(command: string, declared: readonly string[], manifests: readonly ManifestObject[] = []): (out: StepOutput) => Tracked {
  const ns = namespaceFlag(firstLineOf(command))
  const annotated = declared.map((c) => ({ describe: c, command: c }))
  const nsOf = (name: string): string | undefined => manifestNamespace(name, manifests) ?? ns
  return (out) => ({
    created: [...createdNames(out.stdout).map((n) => deletion(n, nsOf(n))), ...annotated],
    deleted: deletedNames(out.stdout).map((n) => deletion(n, nsOf(n)).describe),
  })
}
