// The flags, declared once with their help: the command table (table.ts) lists them per command, the
// commands parse with them, and --help and docs/reference/cli.md are written from them. Data only, so
// a command's module can import it without loading the table's other commands.
import { runnerDefaults } from '../../engine/defaults.js'
import { ARTICLE_LAB_VERSION, DEFAULT_LAB_VERSION, SUPPORTED_LAB_VERSIONS } from '../../platform/lab/versions.js'

/** One flag: how node:util parseArgs reads it, and its --help line. */
export interface Flag {
  type: 'string' | 'boolean'
  multiple?: boolean
  /** The value's placeholder in --help (FILE, NAME, SECONDS). */
  value?: string
  /** What it does, as --help shows it (lines joined by \n). */
  help: string
}

export type FlagSet = Record<string, Flag>

/** Two flags that cannot be given together, and the sentence that says so. */
export interface Conflict {
  flags: readonly [string, string]
  message: string
}

/** A flag that needs another (or one of several), and the sentence that says so. */
export interface Requirement {
  flag: string
  needs: string
  message: string
}

/** Identity: keeps the literal types of a flag set while checking its shape. */
export const defineFlags = <const F extends FlagSet>(flags: F): F => flags

const WALKTHROUGH = {
  type: 'string',
  value: 'ID|PATH',
  help: 'the walkthrough (default: the first listed), or your own from a folder or a Markdown file',
} as const
const KUBECONFIG = { type: 'string', value: 'FILE', help: 'kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config); never written' } as const
const CONTEXT = { type: 'string', value: 'NAME', help: 'kubeconfig context to use (default: the current context)' } as const
const JSON_OUT = { type: 'boolean', help: 'machine-readable output' } as const
/** How a Kubernetes docs page is read: run, record, test, serve and import take them. */
export const SOURCE_FLAGS = defineFlags({
  examples: {
    type: 'string',
    value: 'DIR',
    help: `read https://k8s.io/examples/P from DIR/P (a kubernetes/website checkout's
content/en/examples, or a folder with its layout): each such line runs
rewritten to the local path (the report shows it as written too); a P that
DIR does not hold fails at its own line, as the URL does for an example
kubernetes/website removed, and a DIR without P's folder is exit 2 before
anything runs (default: lines run as written, fetching from kubernetes.io)`,
  },
  tab: {
    type: 'string',
    value: 'NAME',
    help: `a docs page's Hugo tabs: read the tab NAME (default: the first tab that
holds a shell block); a name the page has no tab for is exit 2`,
  },
})

const REPORTER_HELP = `pretty (default on a terminal), plain (default otherwise, or with NO_COLOR),
json, junit (JUnit XML), tap (TAP 13)`

/** run's flags; drift, check, record and serve take them too. */
export const RUN_FLAGS = defineFlags({
  walkthrough: {
    ...WALKTHROUGH,
    help: `the walkthrough to replay (default: the first listed), or your own
from a folder or a Markdown file`,
  },
  kubeconfig: KUBECONFIG,
  context: CONTEXT,
  cluster: {
    type: 'string',
    value: 'NAME',
    help: `the cluster name for the walkthrough (default: the context's cluster; another
cluster is refused, since a token would be minted on one and sent to another)`,
  },
  lab: {
    type: 'boolean',
    help: `start a throwaway local control plane, replay against it, stop it; its own
kubectl plays the walkthrough's kubectl (as \`minikube kubectl\` would)`,
  },
  'lab-version': { type: 'string', value: 'V', help: "the lab's Kubernetes release (with --lab; default latest)" },
  node: {
    type: 'boolean',
    help: `with --lab (root): the lab gets a node that runs Pods (kubewalk lab up
--node); one lab with a node runs at a time: a second waits for the first`,
  },
  kubectl: {
    type: 'string',
    value: 'CMD',
    help: `what plays kubectl: a file, or a command with arguments split as a shell
would ('minikube kubectl --'), put first on the run's PATH as kubectl
(default: the lab's own with --lab, else the kubectl on PATH)`,
  },
  namespace: {
    type: 'string',
    value: 'NS',
    help: `act in NS (through the context, never by writing the kubeconfig); NS must
exist (default: the context's namespace, else default)`,
  },
  isolate: {
    type: 'boolean',
    help: `create a fresh namespace (kubewalk-XXXXXXXX, labelled
app.kubernetes.io/managed-by=kubewalk), replay in it, delete it at the end
(on every path: success, failure, error, Ctrl-C)`,
  },
  'allow-changes': {
    type: 'string',
    value: 'PATTERN[,PATTERN]',
    help: `let the lines change objects the run did not create, beyond what the
walkthrough declares (kind/name or namespace/kind/name, * for any part:
node/*, serviceaccount/default); each is saved first and restored at cleanup`,
  },
  'namespace-timeout': {
    type: 'string',
    value: 'SECONDS',
    help: `with --isolate: how long deleting that namespace may take while its
finalizers run (default 120); one still Terminating then is named in the
report, with the command to watch it. Also the bound for Pods deleted at
cleanup to go (past their grace period): one still going is "deleting"`,
  },
  set: {
    type: 'string',
    multiple: true,
    value: 'NAME=VALUE',
    help: `give a variable of the walkthrough its value (a value the prose tells the
reader to choose, e.g. a Markdown walkthrough's placeholder); repeatable`,
  },
  'dry-run': {
    type: 'boolean',
    help: `run: print every line that would run and what would be cleaned up, and
run nothing (look at a walkthrough from the internet before it touches a cluster)`,
  },
  from: { type: 'string', value: 'ID', help: 'start at step ID (ids or numbers: kubewalk list)' },
  to: { type: 'string', value: 'ID', help: 'stop after step ID' },
  only: { type: 'string', value: 'ID', help: 'run step ID alone' },
  reporter: { type: 'string', value: 'NAME', help: REPORTER_HELP },
  out: { type: 'string', value: 'FILE', help: 'write the report to FILE instead of standard output (any reporter)' },
  timeout: { type: 'string', value: 'SECONDS', help: `limit for each command (default ${runnerDefaults.commandTimeoutMs / 1000})` },
  wait: {
    type: 'string',
    value: 'SECONDS',
    help: `limit for each bounded wait (a controller filling an object, the API server
refusing a revoked token, a Pod a line reads starting) (default: each step's own,
30; check: at most 10)`,
  },
  transcript: {
    type: 'string',
    value: 'FILE',
    help: `also write an executable-notebook transcript: the walkthrough with this run's
output, checks, timing and drift, in Markdown (a standalone HTML page when
FILE ends in .html)`,
  },
  interactive: {
    type: 'boolean',
    help: `step through: show each step's explanation and command, then wait for a key:
Enter runs it, s skips it, q quits (what the run created is still cleaned up)`,
  },
  'show-secrets': { type: 'boolean', help: 'print tokens and Secret data (masked by default)' },
  'strict-tls': {
    type: 'boolean',
    help: `run the lines that verify the API server's certificate against the
kubeconfig's CA ($KUBEWALK_CACERT) where a step has one, instead of lines
that skip verification; reported as a variant of the walkthrough's line`,
  },
  'report-progress': {
    type: 'boolean',
    help: `run, check, serve: record what passed, for the instructor's board, in one
ConfigMap of kubewalk's in your namespace (kubewalk-progress: step ids and
times, no values); the only write check ever makes (not with run --isolate)`,
  },
  solution: { type: 'boolean', help: "with check ID: print the step's line instead of checking it" },
  forget: { type: 'boolean', help: 'with check alone: remove that ConfigMap' },
  'use-kuberc': {
    type: 'boolean',
    help: `let kubectl 1.34+ read your kuberc (default: off for the run, KUBERC=off, so
your aliases and default flags cannot change what the lines print); the guard then
reads each call as kubectl runs it, alias expanded and defaults written out`,
  },
  workdir: {
    type: 'string',
    value: 'DIR',
    help: `the lines start in a copy of DIR (the folder a tutorial says to run it from,
with the files it reads); DIR itself is never written (default: an empty folder)`,
  },
  ...SOURCE_FLAGS,
})

/** Both choose the run's namespace: run (and its kin) and matrix refuse the pair. */
export const NAMESPACE_CONFLICT: Conflict = {
  flags: ['namespace', 'isolate'],
  message: '--namespace and --isolate both choose the namespace; give one.',
}

/** What run's flags need beside them. */
export const RUN_REQUIREMENTS: readonly Requirement[] = [
  { flag: 'lab-version', needs: 'lab', message: '--lab-version goes with --lab.' },
  { flag: 'node', needs: 'lab', message: '--node goes with --lab (a cluster of your own brings its own nodes).' },
  {
    flag: 'namespace-timeout',
    needs: 'isolate',
    message: '--namespace-timeout bounds the deletion of an --isolate namespace; it goes with --isolate.',
  },
]

/** Where serve and class --serve listen. */
export const LISTEN_FLAGS = defineFlags({
  port: { type: 'string', value: 'P', help: 'the port (default 0: any free one); the URL printed carries the token' },
  host: { type: 'string', value: 'H', help: 'listen on H instead of 127.0.0.1: only with --tls-cert and --tls-key' },
  'tls-cert': { type: 'string', value: 'FILE', help: 'the certificate (PEM) for HTTPS, with --tls-key FILE its key' },
  'tls-key': { type: 'string', value: 'FILE', help: 'the key (PEM) of --tls-cert' },
  'allowed-host': { type: 'string', value: 'NAMES', help: 'more names clients reach the server by (a,b); the first is the URL printed' },
  open: { type: 'boolean', help: "open the page in the system's browser (through a 0600 file: the token is never on a command line)" },
})

export const SERVE_FLAGS = defineFlags({
  ...LISTEN_FLAGS,
  'idle-timeout': {
    type: 'string',
    value: 'SECONDS',
    help: `serve: with no page open this long, remove what the page's runs created
(default 60)`,
  },
  editable: {
    type: 'boolean',
    help: `serve: participants may edit a cell's line and run it as edited; the
token then runs any command on this machine as you (127.0.0.1 only)`,
  },
})

/** record's own: --out is a folder here, not a report file. */
export const RECORD_FLAGS = defineFlags({
  out: { type: 'string', value: 'DIR', help: "where the recordings go (default: the walkthrough folder's recorded/)" },
  force: { type: 'boolean', help: 'replace recordings that exist' },
})

export const LIST_FLAGS = defineFlags({
  walkthrough: { ...WALKTHROUGH, help: "show this walkthrough's steps, variables and settings" },
  json: JSON_OUT,
})
export const TEST_FLAGS = defineFlags({ walkthrough: WALKTHROUGH, json: JSON_OUT, ...SOURCE_FLAGS })
export const NEW_FLAGS = defineFlags({
  dir: { type: 'string', value: 'DIR', help: 'where to write it (default .)' },
  typed: { type: 'boolean', help: 'a typed folder (package.json, tsconfig, index.ts, a step, a test) instead of one Markdown file' },
})
export const IMPORT_FLAGS = defineFlags({
  out: { type: 'string', value: 'PATH', help: 'where to write the walkthrough (a folder with --typed)' },
  force: { type: 'boolean', help: 'write over what is there' },
  typed: { type: 'boolean', help: 'write a folder: index.ts and one step file per command' },
  examples: {
    type: 'string',
    value: 'DIR',
    help: `a docs page's example files (code_sample, codenew) from DIR/P instead of the
content/en/examples found above the page; the lines stay as written (give
--examples again when you run the walkthrough)`,
  },
  tab: SOURCE_FLAGS.tab,
})

export const TOKEN_FLAGS = defineFlags({
  token: {
    type: 'string',
    value: 'T',
    help: `the token: - reads standard input; T on the command line works, but ps and
your shell history see it (default: $TOKEN)`,
  },
  'token-file': { type: 'string', value: 'FILE', help: 'read the token from FILE' },
  kubeconfig: KUBECONFIG,
  context: CONTEXT,
  'no-verify': { type: 'boolean', help: 'do not ask the cluster for its keys; decode only' },
  json: JSON_OUT,
  'show-secrets': { type: 'boolean', help: 'print the token itself (masked by default)' },
})

export const MATRIX_FLAGS = defineFlags({
  walkthrough: WALKTHROUGH,
  'lab-version': { type: 'string', multiple: true, value: 'V', help: 'a lab of this release (repeatable; default: the supported ones)' },
  context: { type: 'string', multiple: true, value: 'NAME', help: 'a context of the kubeconfig (repeatable)' },
  kubeconfig: KUBECONFIG,
  kubectl: {
    type: 'string',
    multiple: true,
    value: 'FILE',
    help: "a kubectl to replay with (repeatable; default: each lab's own and each installed kubectl.1.NN)",
  },
  parallel: { type: 'string', value: 'N', help: 'how many cells run at once (1 to 16)' },
  reporter: { type: 'string', value: 'NAME', help: 'pretty, plain, markdown, json or junit' },
  out: { type: 'string', value: 'FILE', help: 'write the report to FILE' },
  timeout: { type: 'string', value: 'SECONDS', help: 'limit for each command of each cell' },
  wait: { type: 'string', value: 'SECONDS', help: 'limit for each bounded wait of each cell' },
  namespace: { type: 'string', value: 'NS', help: 'each cell acts in NS' },
  isolate: { type: 'boolean', help: 'each cell in a fresh namespace, deleted at its end' },
  node: { type: 'boolean', help: 'labs with a node (root), one at a time' },
})

export const CLASS_FLAGS = defineFlags({
  walkthrough: WALKTHROUGH,
  namespaces: { type: 'string', value: 'a,b,c', help: "the participants' namespaces" },
  selector: { type: 'string', value: 'L=V', help: 'the namespaces with this label' },
  prefix: { type: 'string', value: 'P', help: 'the namespaces whose names start with P' },
  kubeconfig: KUBECONFIG,
  context: CONTEXT,
  watch: { type: 'boolean', help: 'redraw the table as it changes' },
  interval: { type: 'string', value: 'S', help: 'with --watch: seconds between reads (0.5 to 3600)' },
  reporter: { type: 'string', value: 'NAME', help: 'pretty, plain or json' },
  serve: { type: 'boolean', help: 'the board as a live page (counts per step, last change, large type for a projector)' },
  'hand-out': {
    type: 'string',
    value: 'DIR',
    help: 'with --serve: participants fetch their kubeconfig (class open --out DIR) once, at /hand-out, with their one-time code',
  },
  ...LISTEN_FLAGS,
})

const CLASS_PREFIX = { type: 'string', value: 'P', help: "the class's namespace prefix (default class-)" } as const

export const CLASS_OPEN_FLAGS = defineFlags({
  participants: { type: 'string', value: 'N', help: 'this many participants, named p01, p02, …' },
  names: { type: 'string', value: 'a,b,c', help: "the participants' names (instead of --participants)" },
  walkthrough: { ...WALKTHROUGH, help: 'the walkthrough the class replays (recorded on each namespace)' },
  prefix: CLASS_PREFIX,
  duration: { type: 'string', value: 'D', help: "how long each kubeconfig's token is asked to last (default 3h; the server may grant less)" },
  server: { type: 'string', value: 'URL', help: "the API server participants reach (when the instructor's own is a loopback or internal address)" },
  out: { type: 'string', value: 'DIR', help: 'where the kubeconfigs and hand-out codes go (0700; made, or empty)' },
  kubeconfig: KUBECONFIG,
  context: CONTEXT,
})

export const CLASS_CLOSE_FLAGS = defineFlags({
  prefix: CLASS_PREFIX,
  timeout: { type: 'string', value: 'SECONDS', help: 'how long to wait for the namespaces to go (default 120)' },
  kubeconfig: KUBECONFIG,
  context: CONTEXT,
})

export const CLASS_STATUS_FLAGS = defineFlags({
  prefix: CLASS_PREFIX,
  json: JSON_OUT,
  walkthrough: WALKTHROUGH,
  kubeconfig: KUBECONFIG,
  context: CONTEXT,
})

const LAB_DIR = { type: 'string', value: 'DIR', help: "the lab's directory (default .kubewalk/lab)" } as const
const LAB_VERSION = { type: 'string', value: 'V', help: 'the Kubernetes release (default: the latest supported)' } as const
/** Lines for --help: which Kubernetes releases the lab builds (`--version V` of lab build and lab up). */
export const LAB_VERSION_HELP = `  --version V           the lab's Kubernetes release (lab build, lab up): latest = ${DEFAULT_LAB_VERSION} (the
                        default), ${SUPPORTED_LAB_VERSIONS.filter((v) => v !== DEFAULT_LAB_VERSION && v !== ARTICLE_LAB_VERSION).join(', ')}, article = ${ARTICLE_LAB_VERSION} (these are tested), or any
                        v1.MINOR.PATCH the Go module proxy serves that builds with this machine's Go
`

export const LAB_FLAGS = {
  build: defineFlags({
    version: LAB_VERSION,
    node: { type: 'boolean', help: "also the node's parts: kubelet, kube-scheduler, kube-proxy, containerd, CNI, CoreDNS, images" },
    'kubectl-only': { type: 'boolean', help: 'kubectl alone' },
  }),
  up: defineFlags({
    dir: LAB_DIR,
    version: LAB_VERSION,
    'cluster-name': { type: 'string', value: 'NAME', help: "the kubeconfig's cluster name" },
    'no-controller-manager': { type: 'boolean', help: 'start no kube-controller-manager' },
    node: { type: 'boolean', help: '(root) with a node that runs Pods, its traffic kept on this machine, undone by lab down' },
    'pull-through': { type: 'boolean', help: "with --node: pulls the node's registry cannot answer go on to the public registries (off by default)" },
  }),
  status: defineFlags({ dir: LAB_DIR, json: JSON_OUT }),
  down: defineFlags({ dir: LAB_DIR }),
  imageImport: defineFlags({ dir: LAB_DIR }),
  imageList: defineFlags({ dir: LAB_DIR, json: JSON_OUT }),
} as const
