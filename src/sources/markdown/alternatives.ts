// Ways a page offers to do one thing ("Use raw data" / "Use source files", "or, from a file: …"): a reader takes one.
// A line that creates an object an earlier line already created, with nothing deleting it between, is such an
// alternative: run, it would only fail AlreadyExists. Unless the page shows that refusal, it is not run, and says why.
import { errorMessages } from './answers.js'
import { manifestObjects } from './kubectl.js'
import { splitCommands } from './lines.js'
import { oneFileRead, type PageFile } from './steps.js'

const FLAG = String.raw`(?:\s+-{1,2}[\w-]+(?:[= ](?!(?:create|run|delete)\b)\S+)?)*`
// `kubectl create KIND NAME`, `kubectl create secret TYPE NAME`, `kubectl create service TYPE NAME`, `kubectl run NAME`.
// The name may be the page's placeholder (`<insert-namespace-name-here>`): the same one is the same object.
const CREATE = new RegExp(
  String.raw`^kubectl${FLAG}\s+(?:create${FLAG}\s+(?:(secret|service)\s+[\w-]+|(?!-)([\w.-]+))|(run))${FLAG}\s+([a-z0-9][\w.-]*|<[\w .:/-]+>)`,
)
// `kubectl create -f FILE`, with only flags after `create`.
const CREATE_FROM_FILE = /^kubectl\s+create(?:\s+-{1,2}[\w-]+(?:[= ]\S+)?)+\s*$/
const DELETE = new RegExp(String.raw`^kubectl${FLAG}\s+delete${FLAG}\s+(.+)$`)

const kindOf = (word: string): string =>
  ({
    secrets: 'secret',
    svc: 'service',
    services: 'service',
    cm: 'configmap',
    configmaps: 'configmap',
    ns: 'namespace',
    namespaces: 'namespace',
    deploy: 'deployment',
    deployments: 'deployment',
    po: 'pod',
    pods: 'pod',
  })[word] ?? word

/**
 * The object a single `kubectl create`/`run` line makes, as `kind/name`, or undefined; for `kubectl create -f FILE`,
 * the one object of the file the page gives under that name.
 */
export function createdObject(command: string, files: readonly PageFile[] = []): string | undefined {
  const cmds = splitCommands(command)
  if (cmds.length !== 1) return undefined
  const line = (cmds[0]?.text ?? '').replace(/\\\n\s*/g, ' ').trim()
  if (CREATE_FROM_FILE.test(line)) {
    const named = oneFileRead(line)
    const file = named === undefined ? undefined : files.find((f) => f.name === named)
    const objects = file === undefined ? [] : manifestObjects(file.content)
    return objects.length === 1 ? objects[0]?.name : undefined
  }
  const m = CREATE.exec(line)
  if (!m) return undefined
  const kind = m[3] !== undefined ? 'pod' : kindOf((m[1] ?? m[2]) as string)
  return `${kind}/${m[4] as string}`
}

/** The objects a block's `kubectl delete` lines name (`delete secret a b`, `delete secret/a`), as `kind/name`; `*` when it names them otherwise. */
function deletedObjects(command: string): string[] {
  const out: string[] = []
  for (const c of splitCommands(command)) {
    const m = DELETE.exec(c.text.replace(/\\\n\s*/g, ' ').trim())
    if (!m) continue
    const words = (m[1] as string).split(/\s+/).filter((w) => !w.startsWith('-'))
    if (words.some((w) => w.includes('/')))
      out.push(...words.filter((w) => w.includes('/')).map((w) => `${kindOf(w.split('/')[0] as string)}/${w.split('/')[1] as string}`))
    else if (words.length >= 2) out.push(...words.slice(1).map((n) => `${kindOf(words[0] as string)}/${n}`))
    else out.push('*')
  }
  return out
}

/** Why step `i` is an alternative to an earlier one (it creates that step's object again), or undefined. */
export function alternativeTo(
  drafts: readonly { command: string; recording?: { text: string } | undefined; files?: readonly PageFile[] }[],
  i: number,
): string | undefined {
  const d = drafts[i]
  const object = d && createdObject(d.command, d.files)
  if (object === undefined || (d?.recording !== undefined && errorMessages(d.recording.text.split('\n')).length > 0)) return undefined
  // The first step since the last deletion that made it: the one that runs (those after it are alternatives too).
  let first: number | undefined
  for (let j = i - 1; j >= 0; j--) {
    const before = drafts[j]?.command ?? ''
    const deleted = deletedObjects(before)
    if (deleted.includes(object) || deleted.includes('*')) break
    if (createdObject(before, drafts[j]?.files) === object) first = j
  }
  if (first !== undefined)
    return `an alternative the page offers to step ${String(first + 1).padStart(2, '0')}: it creates ${object} again, which that step made (a reader takes one way)`
  return undefined
}
