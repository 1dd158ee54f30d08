// Errors a page shows as a line's answer ("Error from server (Forbidden): … exceeded quota …"): read into
// their shape (the server's reason, what refused it, the verb, the resource), so a live error is compared by
// what it says, not by the names and numbers the environment puts in it (the user, the namespace, usage).

/** One error message of an output, as its shape. */
export interface ErrorMessage {
  /** The message as it reads, its wrapped lines joined. */
  text: string
  /** The server's reason: Forbidden, NotFound, AlreadyExists, Invalid, … */
  reason: string
  /** What refused it, when the message says: RBAC, a quota, PodSecurity (with its level), a LimitRange. */
  cause?: string
  verb?: string
  resource?: string
  /** Where it stands in the lines it was read from: its first line and how many. */
  at: number
  lines: number
}

// Where kubectl starts an error of the server's; `The Pod "x" is invalid:` is how kubectl says Invalid, and
// `error: failed to create configmap:` how its create subcommands pass the server's on.
const PREFIXED = /^\s*(?:Error from server(?: \((\w+)\))?:|The \w+ "[^"]*" is invalid:|error: failed to (create|patch|update|delete) [\w.-]+:)/
// A page may quote the server's message alone (`persistentvolumeclaims "pvc-2" is forbidden: exceeded quota: …`);
// after a prefix, such a line is the wrapped rest of that message.
const BARE = /^\s*[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)* "[^"]*" is forbidden:/
const START = { test: (line: string): boolean => PREFIXED.test(line) || BARE.test(line) }
const VERBS: Record<string, string> = {
  creating: 'create',
  retrieving: 'get',
  applying: 'apply',
  patching: 'patch',
  deleting: 'delete',
  updating: 'update',
  replacing: 'replace',
}
const RESOURCE = /(?:^|[\s:])([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*)(?: "[^"]*")? (?:is forbidden|not found|already exists)\b/

/** The shape of one message (its lines joined). */
export function shapeOfError(text: string, at = 0, lines = 1): ErrorMessage | undefined {
  const start = PREFIXED.exec(text) ?? (BARE.test(text) ? [] : null)
  if (!start) return undefined
  const invalid = /^\s*The (\w+) "[^"]*" is invalid:/.exec(text)
  const said = /\bis forbidden\b/.test(text)
    ? 'Forbidden'
    : /\balready exists\b/.test(text)
      ? 'AlreadyExists'
      : /\bnot found\b/.test(text)
        ? 'NotFound'
        : 'Error'
  const m: ErrorMessage = { text, reason: start[1] ?? (invalid ? 'Invalid' : said), at, lines }
  if (start[2] !== undefined) m.verb = start[2]
  const rbac = /User "[^"]*" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?/.exec(text)
  const security = /violates PodSecurity "([^"]+)"/.exec(text)
  const limit = /\b(maximum|minimum) (\w+) usage per (Container|Pod)\b/.exec(text)
  if (rbac) {
    m.cause = 'RBAC'
    m.verb = rbac[1] as string
    m.resource = rbac[3] ? `${rbac[2]}.${rbac[3]}` : (rbac[2] as string)
  } else if (/\bexceeded quota\b/.test(text)) m.cause = 'exceeded quota'
  else if (security) m.cause = `violates PodSecurity ${security[1]}`
  else if (limit) m.cause = `${limit[1]} ${limit[2]} per ${limit[3]}`
  const verb = /\berror when (\w+)/.exec(text)?.[1]
  if (m.verb === undefined && verb !== undefined && VERBS[verb] !== undefined) m.verb = VERBS[verb]
  if (m.resource === undefined) {
    const r = RESOURCE.exec(text)?.[1] ?? (invalid ? `${invalid[1]?.toLowerCase()}s` : undefined)
    if (r !== undefined) m.resource = r
  }
  return m
}

/**
 * The error messages in `lines`. A page wraps a long message over several lines (`…quota-mem-cpu-pod-2.yaml":`
 * then `pods "…" is forbidden: …`): a line that ends in `:` or `,`, or a next line that is indented, goes on.
 */
export function errorMessages(lines: readonly string[]): ErrorMessage[] {
  const out: ErrorMessage[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!START.test(lines[i] as string)) continue
    let text = (lines[i] as string).trim()
    let j = i + 1
    while (
      j < lines.length &&
      (lines[j] as string).trim() !== '' &&
      !PREFIXED.test(lines[j] as string) &&
      (/[:,]$/.test(text) || /^\s/.test(lines[j] as string))
    ) {
      text = `${text}${/,$/.test(text) ? '' : ' '}${(lines[j] as string).trim()}`
      j++
    }
    const m = shapeOfError(text.replace(/,(?=\S)/g, ', '), i, j - i)
    if (m) out.push(m)
    i = j - 1
  }
  return out
}

/** Whether two messages are the same error: reason, cause, verb and resource, where both say them. */
export function sameError(recorded: ErrorMessage, live: ErrorMessage): boolean {
  if (recorded.reason !== live.reason || recorded.cause !== live.cause) return false
  for (const k of ['verb', 'resource'] as const) if (recorded[k] !== undefined && live[k] !== undefined && recorded[k] !== live[k]) return false
  return true
}

/** "Forbidden (exceeded quota): create pods", for messages. */
export function describeError(m: ErrorMessage): string {
  const what = [m.verb, m.resource].filter((x) => x !== undefined).join(' ')
  return `${m.reason}${m.cause !== undefined ? ` (${m.cause})` : ''}${what !== '' ? `: ${what}` : ''}`
}

/** Whether `output` (one command's standard error and output) is an error the recording shows: every error in it is one of the recording's. */
export function recordedErrorAnswers(recording: string): ((text: string) => boolean) | undefined {
  const expected = errorMessages(recording.split('\n'))
  if (expected.length === 0) return undefined
  return (text) => {
    const seen = errorMessages(text.split('\n'))
    return seen.length > 0 && seen.every((s) => expected.some((e) => sameError(e, s)))
  }
}
