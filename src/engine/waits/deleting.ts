// A Pod deleted at cleanup goes only after its grace period (30 s unless its spec says otherwise, longer for a
// container that ignores SIGTERM). Its cleanup asks for the deletion, then watches it go, bounded; one still
// terminating at the bound is "deleting" (it goes by itself), never "left on the cluster".
import type { Cleanup } from '../../core/step.js'
import { quote } from '../../platform/shell.js'
import { commandsOf } from './argv.js'

/** The exit status of a Pod cleanup whose Pod was still terminating at the bound. */
export const STILL_DELETING = 75

/** How long cleanup watches a deleted Pod go by default (as an --isolate namespace's deletion is bounded). */
export const POD_DELETE_TIMEOUT_MS = 120_000

/** The `kubectl get` words that find what a `kubectl delete pod …` command deletes, when that is what the cleanup is. */
export function deletedPod(c: Pick<Cleanup, 'command'>): string[] | undefined {
  const cmds = commandsOf(c.command)
  const words = cmds.length === 1 ? cmds[0] : undefined
  if (words === undefined || words[0] !== 'kubectl' || words[1] !== 'delete') return undefined
  const rest = words.slice(2).filter((w) => !/^--(?:ignore-not-found|wait|grace-period|now|force|timeout|cascade)(?:=|$)/.test(w))
  const first = rest.findIndex((w) => !w.startsWith('-'))
  const what = rest[first] ?? ''
  const byName = /^(?:po|pods?)$/.test(what) && rest[first + 1] !== undefined && !rest[first + 1]?.startsWith('-')
  if (!/^(?:po|pods?)\//.test(what) && !byName) return undefined
  // A name given after the kind (`pod x`) is one object; several, or a selector, are not watched.
  if (rest.some((w) => /^(?:-l|--selector|--all|-A|--all-namespaces|-f|--filename)(?:=|$)/.test(w))) return undefined
  const names = rest.filter((w, i) => !w.startsWith('-') && !(i > 0 && /^(?:-n|--namespace|--context|--kubeconfig)$/.test(rest[i - 1] ?? '')))
  if (names.length !== (byName ? 2 : 1)) return undefined
  return rest
}

/**
 * The cleanup of a Pod as one that watches it go: the deletion asked without waiting for it (`--wait=false`), then
 * a look each second until the Pod is gone, up to `timeoutMs`; still there then, it exits STILL_DELETING.
 */
export function watchedPodDeletion(c: Cleanup, timeoutMs: number = POD_DELETE_TIMEOUT_MS): Cleanup {
  const get = deletedPod(c)
  if (get === undefined) return c
  const ask = c.script ?? (/\s--wait(?:=|\s|$)/.test(c.command) ? c.command : `${c.command} --wait=false`)
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000))
  const look = `kubectl get ${get.map((w) => quote(w)).join(' ')} --ignore-not-found -o name`
  const script = [
    `( ${ask} ) || exit`,
    `end=$((SECONDS + ${seconds}))`,
    'while :; do',
    `  out=$(${look}) || exit`,
    '  [ -n "$out" ] || exit 0',
    `  if [ "$SECONDS" -ge "$end" ]; then echo "still terminating after ${seconds} s (its grace period); it goes by itself" >&2; exit ${STILL_DELETING}; fi`,
    '  sleep 1',
    'done',
  ].join('\n')
  return { ...c, script, timeoutMs: Math.max(c.timeoutMs ?? 0, timeoutMs + 15_000) }
}
