// Lines that want a terminal or the reader's keys. A run has neither (a line's stdin is /dev/null), so each
// is decided here, never left to hang or to pass having done nothing:
//
//   kubectl exec -it POD -- sh|bash       opens a shell: the lines after it run in the run's session there
//   kubectl run -it NAME … -- sh          starts NAME as a Pod whose shell waits (then waits for it to be Ready): the
//                                         lines after it run in the run's session there, as after an exec
//   kubectl exec -it POD -- CMD           run as `kubectl exec -i …`: CMD needs no terminal, output the same
//   kubectl run -it … -- CMD              run as `kubectl run -i …`: kubectl attaches to the output without one
//   kubectl attach -t/-it POD             manual: it hands your terminal to the process; what you type is not on the page
//   kubectl edit …                        manual: it opens an editor and waits for you to save
//   vi, vim, nvim, nano, emacs, ed FILE   manual: an editor waits for your keys
//   read VAR                              manual: it waits for a line you type
//   top                                   manual: it redraws the terminal until you press q
import { opensShell } from './lines.js'

/** A line that runs without a terminal as rewritten, saying so; or one the reader must do by hand, and why. */
export type Unattended = { run: string; note: string } | { manual: string }

const TTY_FLAG = /\s(?:-it|-ti|-t|--tty(?:=true)?)(?=\s|$)/
const EDITORS = new Set(['vi', 'vim', 'nvim', 'nano', 'emacs', 'ed'])

/** What a run does with `line` when it needs a terminal or the reader; undefined for an ordinary line. */
export function unattended(line: string): Unattended | undefined {
  const first = line.split('\n')[0] as string
  const words = first.trim().split(/\s+/)
  const program = (words[0] ?? '').replace(/^.*\//, '')
  const kubectl = /^\s*kubectl\s+(exec|run|attach|edit)\b/.exec(first)?.[1]
  if (kubectl === 'edit')
    return { manual: 'kubectl edit opens an editor and waits for you to save: make the change by hand (or with kubectl patch), then go on' }
  if (kubectl === 'attach' && TTY_FLAG.test(first))
    return { manual: 'kubectl attach -it hands your terminal to the running process: what you type there is not on the page' }
  if ((kubectl === 'exec' || kubectl === 'run') && TTY_FLAG.test(first) && opensShell(line) === undefined) {
    const run = `${first.replace(/\s(?:-it|-ti)(?=\s|$)/, ' -i').replace(/\s(?:-t|--tty(?:=true)?)(?=\s|$)/, '')}${line.slice(first.length)}`
    return { run, note: `run as \`kubectl ${kubectl} -i\` without a terminal (the page's -t asks for one; the command needs none)` }
  }
  if (EDITORS.has(program)) return { manual: `${program} is an editor: it waits for your keys` }
  if (program === 'read') return { manual: 'read waits for a line you type' }
  if (program === 'top') return { manual: 'top redraws the terminal until you press q' }
  return undefined
}

// The Pod's shell waits for nothing and ends on SIGTERM, so deleting the Pod at cleanup is quick.
const WAITING = `'trap "exit 0" TERM; while :; do sleep 1; done'`

/**
 * `kubectl run -it NAME [flags] [--] SHELL`, which makes a Pod and hands its shell to the terminal, as lines that make
 * the same Pod with its shell waiting (no -i/-t, no --rm: cleanup removes it), then wait for it to be Ready; undefined
 * for any other line.
 */
export function detachedRun(line: string): string | undefined {
  const first = line.split('\n')[0] as string
  const shell = opensShell(first)
  if (shell === undefined || !/^\s*kubectl\s+run\s/.test(first)) return undefined
  const words = first
    .replace(/\s+#.*$/, '')
    .trim()
    .split(/\s+/)
  const program = words.pop() as string
  if (words.at(-1) === '--') words.pop()
  const kept: string[] = []
  for (let k = 0; k < words.length; k++) {
    const w = words[k] as string
    if (/^(?:-it|-ti|-i|-t|--stdin|--tty|--rm)(?:=true)?$/.test(w)) continue
    if (w === '--restart') {
      k++
      continue
    }
    if (w.startsWith('--restart=')) continue
    kept.push(w)
  }
  return `${kept.join(' ')} --restart=Never --command -- ${program} -c ${WAITING}\nkubectl wait --for=condition=Ready pod/${shell.pod} --timeout=60s`
}
