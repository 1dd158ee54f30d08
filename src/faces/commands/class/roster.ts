// A class's participants as plain data: their names, the labels that find their namespaces again, the
// objects each gets, the kubeconfig each is handed, their one-time hand-out codes, and the table the
// instructor sees. No I/O here; open, close and status do that.
import { randomInt } from 'node:crypto'
import { stringify } from 'yaml'
import { UsageError } from '../../../core/errors.js'
import { checkNamespaceName } from '../../../engine/namespaces.js'

/** The label every object of a class carries; its value is the prefix without its trailing '-'. */
export const CLASS_LABEL = 'kubewalk.dev/class'
/** The participant's name, on their namespace. */
export const PARTICIPANT_LABEL = 'kubewalk.dev/participant'
/** The walkthrough the class follows (for status and the board). */
export const WALKTHROUGH_ANNOTATION = 'kubewalk.dev/walkthrough'
/** When the participant's token stops working, as the API server granted it. */
export const EXPIRES_ANNOTATION = 'kubewalk.dev/token-expires'
const MANAGED = { 'app.kubernetes.io/managed-by': 'kubewalk' } as const
export const DEFAULT_PREFIX = 'class-'
/** The ServiceAccount whose token a participant holds. */
export const PARTICIPANT_ACCOUNT = 'participant'
/** The private file of one-time codes, in --out DIR. */
export const CODES_FILE = 'hand-out-codes.txt'

const MAX_PARTICIPANTS = 500
const PREFIX = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?-?$/

/** --prefix: a lower-case start of a namespace name (letters, digits, '-'), at most 41 characters. */
export function checkPrefix(prefix: string): string {
  if (!PREFIX.test(prefix))
    throw new UsageError(
      `--prefix ${JSON.stringify(prefix)} cannot start a namespace name: a lower-case letter, then up to 40 lower-case letters, digits or '-' (e.g. class-).`,
    )
  return prefix
}

/** The class label's value for a prefix: `class-` → `class` (a label value ends with a letter or digit). */
export const classOf = (prefix: string): string => prefix.replace(/-$/, '')

/** The selector that finds every namespace of the class. */
export const classSelector = (prefix: string): string => `${CLASS_LABEL}=${classOf(prefix)}`

/** The participants' names: --participants N (p01…pN) or --names a,b,c (each a DNS label, once); exactly one of them. */
export function participantNames(given: { participants?: string | undefined; names?: string | undefined }, prefix: string): string[] {
  if ((given.participants === undefined) === (given.names === undefined))
    throw new UsageError('class open needs one of --participants N or --names a,b,c.')
  let names: string[]
  if (given.participants !== undefined) {
    const n = Number(given.participants)
    if (!/^\d+$/.test(given.participants) || n < 1 || n > MAX_PARTICIPANTS)
      throw new UsageError(`--participants takes a whole number from 1 to ${MAX_PARTICIPANTS}, got ${JSON.stringify(given.participants)}.`)
    const width = Math.max(2, String(n).length)
    names = Array.from({ length: n }, (_, i) => `p${String(i + 1).padStart(width, '0')}`)
  } else {
    names = (given.names as string)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
    if (names.length === 0) throw new UsageError('--names needs at least one name (a,b,c).')
    if (names.length > MAX_PARTICIPANTS) throw new UsageError(`--names takes at most ${MAX_PARTICIPANTS} names, got ${names.length}.`)
    const twice = names.find((s, i) => names.indexOf(s) !== i)
    if (twice !== undefined) throw new UsageError(`--names lists ${twice} twice.`)
  }
  for (const name of names) checkNamespaceName('--names', name)
  for (const name of names) checkNamespaceName(`--prefix ${prefix} with participant`, `${prefix}${name}`)
  return names
}

const UNITS: Record<string, number> = { h: 3600, m: 60, s: 1 }
// TokenRequest's own bounds: at least 10 minutes; beyond two days a workshop token is a standing credential.
const MIN_TOKEN_SECONDS = 600
const MAX_TOKEN_SECONDS = 48 * 3600

/** --duration: 3h, 90m, 1h30m, 2700s; from 10 minutes to 48 hours. */
export function durationSeconds(value: string | undefined, fallback = 3 * 3600): number {
  if (value === undefined) return fallback
  const parts = [...value.matchAll(/(\d+)([hms])/g)]
  const whole = parts.map((p) => p[0]).join('')
  const seconds = parts.reduce((t, p) => t + Number(p[1]) * (UNITS[p[2] as string] as number), 0)
  if (parts.length === 0 || whole !== value || seconds < MIN_TOKEN_SECONDS || seconds > MAX_TOKEN_SECONDS)
    throw new UsageError(`--duration takes a time from 10m to 48h (e.g. 3h, 90m, 1h30m), got ${JSON.stringify(value)}.`)
  return seconds
}

/** One participant of a class. */
export interface Participant {
  name: string
  namespace: string
}

/** Who gets what: names to namespaces. */
export const participantsOf = (names: readonly string[], prefix: string): Participant[] =>
  names.map((name) => ({ name, namespace: `${prefix}${name}` }))

/**
 * What each participant gets, in creation order: their namespace (PodSecurity baseline enforced), a
 * quota and default limits (so the quota's cpu and memory bounds need nothing of a Pod), the
 * ServiceAccount whose token they hold, and its RoleBinding to the built-in admin ClusterRole there.
 */
export function participantObjects(p: Participant, prefix: string, walkthrough: string): Record<string, unknown>[] {
  const labels = { ...MANAGED, [CLASS_LABEL]: classOf(prefix) }
  const meta = (name: string): Record<string, unknown> => ({ name, namespace: p.namespace, labels })
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: p.namespace,
        labels: {
          ...labels,
          [PARTICIPANT_LABEL]: p.name,
          'pod-security.kubernetes.io/enforce': 'baseline',
          'pod-security.kubernetes.io/warn': 'baseline',
        },
        annotations: { [WALKTHROUGH_ANNOTATION]: walkthrough },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: meta('kubewalk-class'),
      spec: {
        hard: {
          pods: '10',
          services: '10',
          'services.loadbalancers': '0',
          'services.nodeports': '0',
          secrets: '50',
          configmaps: '50',
          persistentvolumeclaims: '5',
          'requests.cpu': '2',
          'requests.memory': '2Gi',
          'limits.cpu': '4',
          'limits.memory': '4Gi',
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: meta('kubewalk-class'),
      spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '50m', memory: '64Mi' } }] },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(PARTICIPANT_ACCOUNT) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(`${PARTICIPANT_ACCOUNT}-admin`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'ServiceAccount', name: PARTICIPANT_ACCOUNT, namespace: p.namespace }],
    },
  ]
}

/** The cluster as a participant's kubeconfig names it. */
export interface ClusterAccess {
  name: string
  server: string
  /** Base64 PEM of the CA, as certificate-authority-data; absent when the instructor's kubeconfig skips verification. */
  caData?: string
  tlsServerName?: string
  insecure?: boolean
}

/** A participant's kubeconfig: the cluster, their token, and their namespace as the context's. */
export function participantKubeconfig(p: Participant, cluster: ClusterAccess, token: string): string {
  const context = `${p.name}@${cluster.name}`
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.server,
          ...(cluster.caData !== undefined ? { 'certificate-authority-data': cluster.caData } : {}),
          ...(cluster.tlsServerName !== undefined ? { 'tls-server-name': cluster.tlsServerName } : {}),
          ...(cluster.insecure === true ? { 'insecure-skip-tls-verify': true } : {}),
        },
      },
    ],
    users: [{ name: p.name, user: { token } }],
    contexts: [{ name: context, context: { cluster: cluster.name, user: p.name, namespace: p.namespace } }],
    'current-context': context,
  })
}

// No 0/O, 1/I/L: read aloud or from paper without doubt. 12 of 31 symbols: about 59 bits.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
const CODE_LENGTH = 12

/** A one-time hand-out code, XXXX-XXXX-XXXX. */
export function handOutCode(): string {
  const chars = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)] as string)
  return [0, 4, 8].map((i) => chars.slice(i, i + 4).join('')).join('-')
}

/** A code as typed (any case, spaces or dashes anywhere) → its canonical form, or undefined when it cannot be one. */
export function normalizeCode(typed: string): string | undefined {
  const chars = typed.toUpperCase().replace(/[\s-]/g, '')
  if (chars.length !== CODE_LENGTH || [...chars].some((c) => !CODE_ALPHABET.includes(c))) return undefined
  return [0, 4, 8].map((i) => chars.slice(i, i + 4)).join('-')
}

/** The codes file: `NAME CODE` a line, with a header comment. */
export function codesText(codes: readonly { name: string; code: string }[]): string {
  const lines = codes.map((c) => `${c.name} ${c.code}`)
  return `# kubewalk class: one-time hand-out codes (private; each code serves its kubeconfig once, then is removed)\n${lines.join('\n')}\n`
}

/** Reads a codes file: code → participant name. */
export function parseCodes(text: string): Map<string, string> {
  const codes = new Map<string, string>()
  for (const line of text.split('\n')) {
    const [name, code] = line.trim().split(/\s+/)
    if (name === undefined || name === '' || name.startsWith('#') || code === undefined) continue
    const canonical = normalizeCode(code)
    if (canonical !== undefined) codes.set(canonical, name)
  }
  return codes
}

/** One row of the instructor's table. */
export interface RosterRow {
  name: string
  namespace: string
  file?: string
  /** When the token expires (the server's answer), ISO. */
  expires?: string
}

/** The table of who got what; never a token or a code. */
export function renderRoster(rows: readonly RosterRow[], extra: { head: string; of: (r: RosterRow) => string }[] = []): string {
  const head = ['name', 'namespace', ...(rows.some((r) => r.file !== undefined) ? ['file'] : []), 'token expires', ...extra.map((e) => e.head)]
  const cells = rows.map((r) => [
    r.name,
    r.namespace,
    ...(rows.some((x) => x.file !== undefined) ? [r.file ?? ''] : []),
    r.expires ?? 'unknown',
    ...extra.map((e) => e.of(r)),
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)))
  const line = (c: readonly string[]): string =>
    c
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd()
  return `${[line(head), ...cells.map(line)].join('\n')}\n`
}

/** A server address participants on other machines cannot reach. */
export function isLoopback(server: string): boolean {
  let host: string
  try {
    host = new URL(server).hostname.replace(/^\[|\]$/g, '')
  } catch {
    return false
  }
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}

/** --server: an https URL. */
export function checkServer(value: string): string {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    throw new UsageError(`--server takes the API server's URL as participants reach it (https://HOST:PORT), got ${JSON.stringify(value)}.`)
  }
  if (u.protocol !== 'https:' || u.hostname === '' || u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '')
    throw new UsageError(`--server takes the API server's URL as participants reach it (https://HOST:PORT), got ${JSON.stringify(value)}.`)
  return value.replace(/\/$/, '')
}
