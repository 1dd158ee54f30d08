// The lines of a docs code block as a reader takes them: prompts (`$ `, and the container's own:
// `/ # `, `# `, `root@POD:/dir# `, `POD:/$ `), comments, continuations, the interactive shells that
// `kubectl exec -it … -- sh` and `kubectl run -it … sh` open, placeholders, and the lines that only
// wait (`--watch`, `kubectl proxy`, `port-forward`).
import { commandEnd } from '../markdown/lines.js'
import { placeholdersIn } from '../markdown/placeholders.js'

/** A value the reader must put in: `<pod-name>` in a line, `X="some_value"`, or what a comment says to replace. */
export interface Placeholder {
  name: string
  /** The text as the page writes it. */
  written: string
}

/** The interactive shell a line opens in a container. */
export interface ContainerShell {
  pod: string
  container?: string
}

const HOST_PROMPT = /^\s*(?:\$|[\w.-]+@[\w.-]+:[^\s$#]*\$)(?: (.*)|$)/
// `root@redis:/data# `, `/ # `, `/# `, `# `, `shell-demo:/$ `
const CONTAINER_PROMPT = /^\s*((?:[\w.-]+@([\w.-]+):[^\s#$]*#)|\/ ?#|#|(?:([\w.-]+):\/[^\s#$]*\$))(?: (.*)|$)/

/** The command after a host prompt (`$ kubectl get pods`), if the line has one. */
export function hostPrompt(line: string): string | undefined {
  const m = HOST_PROMPT.exec(line)
  return m ? (m[1] ?? '').trim() : undefined
}

/** A container prompt and the command after it; `#` alone counts only where `hash` allows it (inside a container's shell). */
export function containerPrompt(line: string, hash: boolean): { prompt: string; command: string; host?: string } | undefined {
  const m = CONTAINER_PROMPT.exec(line)
  if (!m) return undefined
  const prompt = m[1] as string
  if (prompt === '#' && !hash) return undefined
  const host = m[2] ?? m[3]
  return { prompt, command: (m[4] ?? '').trim(), ...(host !== undefined ? { host } : {}) }
}

const SHELLS = /^(?:\/usr)?(?:\/bin\/)?(?:sh|bash|ash|zsh)$/
const VALUE_FLAGS = new Set([
  '-c',
  '--container',
  '-n',
  '--namespace',
  '--image',
  '--context',
  '--kubeconfig',
  '--restart',
  '--env',
  '--labels',
  '-l',
  '--overrides',
  '--pod-running-timeout',
  '--port',
  '--serviceaccount',
])

/** The shell `kubectl exec -it POD [-c C] -- sh` or `kubectl run -it NAME … [--] sh` opens, if the line is one. */
export function opensShell(command: string): ContainerShell | undefined {
  const m = /^\s*kubectl\s+(exec|run)\s+(.*)$/.exec(command.split('\n')[0] as string)
  if (!m) return undefined
  const words = (m[2] as string)
    .replace(/\s+#.*$/, '')
    .split(/\s+/)
    .filter((w) => w !== '')
  const interactive =
    words.some((w) => /^-(?:it|ti)$/.test(w)) || (words.some((w) => w === '-i' || w === '--stdin') && words.some((w) => w === '-t' || w === '--tty'))
  if (!interactive || !SHELLS.test(words.at(-1) ?? '')) return undefined
  let pod: string | undefined
  let container: string | undefined
  for (let k = 0; k < words.length; k++) {
    const w = words[k] as string
    if (w === '--') break
    const [flag, inline] = w.split('=', 2) as [string, string | undefined]
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? words[++k]
      if (flag === '-c' || flag === '--container') container = value
      continue
    }
    if (w.startsWith('-')) continue
    if (pod === undefined) pod = w.replace(/^pods?\//, '')
  }
  if (pod === undefined) return undefined
  return container !== undefined ? { pod, container } : { pod }
}

/** A line that keeps running until stopped: a watch, a proxy, a port-forward, a followed log, an endless loop. */
export function longRunning(command: string): boolean {
  const first = command.split('\n')[0] as string
  return (
    /\s(?:--watch|-w)(?:\s|=|$)/.test(first) ||
    /\bkubectl\s+(?:proxy|port-forward)\b/.test(first) ||
    /\bkubectl\s+logs\b.*\s(?:-f|--follow)\b/.test(first) ||
    /^\s*while\s+true\b/.test(first) ||
    /\btail\s+-f\b/.test(first)
  )
}

const REPLACE = /\breplace\s+["'`]([^"'`]+)["'`]\s+with\b/i

/** The placeholders in a command (read as the Markdown compiler reads them), and the value the comment before it says to replace. */
export function placeholdersOf(command: string, comment?: string): Placeholder[] {
  const out: Placeholder[] = placeholdersIn(command).map((p) => ({ name: p.name, written: p.written }))
  const replaced = comment !== undefined ? REPLACE.exec(comment)?.[1] : undefined
  if (replaced !== undefined && command.includes(replaced)) out.push({ name: replaced, written: replaced })
  return out
}

const COMMANDS = new Set(
  'kubectl curl wget cat echo printf export cd ls mkdir rm cp mv base64 openssl minikube kind helm docker gcloud vim vi nano sed grep awk jq watch sleep for while if source chmod touch tee ssh sudo apt-get apt yum apk kill ps env printenv unset set git go make python python3 node npm true false test exit head tail diff sort wc tr cut xargs find date hostname nslookup dig ping nc tar etcdctl crictl systemctl journalctl ip iptables alias eval exec time cfssl cfssljson kustomize kubeadm kubelet sh bash'.split(
    ' ',
  ),
)

/** Whether a line reads as a command (a known command, an assignment, a path, a prompt), not as text or output. */
export function looksLikeCommand(line: string): boolean {
  const t = line.trim()
  if (hostPrompt(t) !== undefined || containerPrompt(t, false) !== undefined) return true
  if (/^[A-Za-z_]\w*=/.test(t) || /^\.{0,2}\//.test(t) || t.startsWith('$(')) return true
  return COMMANDS.has(t.split(/\s+/)[0] ?? '')
}

/** A sentence the page wrote inside a code block ("Hit enter for command prompt"): capitalised words, no shell. */
export const isSentence = (line: string): boolean =>
  /^[A-Z][a-z]+(?:\s+[a-z]+)+[.!]?$/.test(line.trim()) && !COMMANDS.has(line.trim().split(/\s+/)[0]?.toLowerCase() ?? '')

/** One line (or continued lines) of a block: a command on the host, or in a container, or a sentence. */
export interface BlockLine {
  kind: 'host' | 'container' | 'sentence'
  text: string
  /** 0-based index of its first line in the block. */
  index: number
  comment?: string
  prompt?: string
  /** What the block shows after it, before the next prompt (blocks with prompts only). */
  output?: string
}

/**
 * Splits a block into lines. `opens` tells whether a host line opens a container's shell: the lines
 * after it in the same block, prompt or not, are typed in the container, and there `#` is a prompt,
 * not a comment, as it is after another container prompt in the block. A block's end ends that.
 */
export function blockLines(text: string, opens: (line: string) => boolean): BlockLine[] {
  const lines = text.split('\n')
  const out: BlockLine[] = []
  const prompted = lines.some((l) => hostPrompt(l) !== undefined || containerPrompt(l, false) !== undefined)
  let comments: string[] = []
  let shell = false
  let current: BlockLine | undefined
  let i = 0
  const take = (kind: BlockLine['kind'], first: string, index: number, prompt?: string): void => {
    const rest = [first, ...lines.slice(index + 1)]
    const end = commandEnd(rest, 0, (l) => l.replace(/^> /, ''))
    const line: BlockLine = {
      kind,
      text: rest
        .slice(0, end)
        .map((l, k) => (k === 0 ? l : l.replace(/^> /, '')))
        .join('\n')
        .replace(/\s+$/, ''),
      index,
    }
    if (comments.length > 0) line.comment = comments.join(' ')
    if (prompt !== undefined) line.prompt = prompt
    comments = []
    out.push(line)
    current = prompted ? line : undefined
    i = index + end
  }
  while (i < lines.length) {
    const l = lines[i] as string
    const c = containerPrompt(l, shell)
    if (c && c.command !== '' && !c.command.startsWith('#')) {
      take('container', c.command, i, c.prompt)
      shell = !/^exit\b/.test(c.command)
      continue
    }
    const h = hostPrompt(l)
    if (h !== undefined && h !== '') {
      if (h.startsWith('#')) {
        comments.push(h.replace(/^#+\s?/, ''))
        i++
        continue
      }
      take('host', h, i, '$')
      if (opens(h)) shell = true
      continue
    }
    if (prompted && current) {
      current.output = current.output === undefined ? l : `${current.output}\n${l}`
      i++
      continue
    }
    if (l.trim() === '') {
      comments = []
      i++
      continue
    }
    if (/^\s*#/.test(l)) {
      comments.push(l.trim().replace(/^#+\s?/, ''))
      i++
      continue
    }
    if (shell && isSentence(l)) {
      out.push({ kind: 'sentence', text: l.trim(), index: i })
      i++
      continue
    }
    take(shell ? 'container' : 'host', l, i)
    const last = out.at(-1) as BlockLine
    if (last.kind === 'host' && opens(last.text)) shell = true
    if (last.kind === 'container' && /^\s*exit\b/.test(last.text)) shell = false
  }
  for (const b of out) if (b.output !== undefined) b.output = b.output.replace(/\n\s*$/, '').replace(/^\n+/, '')
  return out
}
