// The command table: every command and subcommand, once. Dispatch, validation, Ctrl-C handling,
// `kubewalk COMMAND --help` and docs/reference/cli.md all read it. A handler imports its module when
// it runs, so `kubewalk --help` or `list` never loads the lab, the notebook or the importer.
import type { CommandContext } from '../context.js'
import {
  CLASS_CLOSE_FLAGS,
  CLASS_FLAGS,
  CLASS_OPEN_FLAGS,
  CLASS_STATUS_FLAGS,
  IMPORT_FLAGS,
  LAB_FLAGS,
  LIST_FLAGS,
  MATRIX_FLAGS,
  NAMESPACE_CONFLICT,
  NEW_FLAGS,
  RECORD_FLAGS,
  RUN_FLAGS,
  RUN_REQUIREMENTS,
  SERVE_FLAGS,
  TEST_FLAGS,
  TOKEN_FLAGS,
  type Conflict,
  type FlagSet,
  type Requirement,
} from './flags.js'

/** What Ctrl-C does: stop and clean up what the command created, stop (it only reads), or nothing of ours. */
export type SignalPolicy = 'listens' | 'read-only' | 'none'

export type Handler = (args: string[], cx: CommandContext) => Promise<number>

/** One command (or subcommand) of the CLI. */
export interface Command {
  name: string
  /** Usage lines; the first is the command, the next continue it. */
  usage: readonly string[]
  /** What it does, as --help shows it beside the usage (lines joined by \n). */
  summary: string
  /** Its flags, each with its help line; the flag sets named here are its whole surface. */
  flags: readonly { title?: string; flags: FlagSet }[]
  conflicts?: readonly Conflict[]
  requires?: readonly Requirement[]
  /** It takes run's options: --help shows the walkthrough's settings and variables too. */
  walkthroughSettings?: boolean
  signals: SignalPolicy
  subcommands?: readonly Command[]
  /** Runs it; a subcommand without one is run by its parent's, with the subcommand's name first. */
  run?: Handler
}

/** Identity: keeps an entry's literal types while checking its shape. */
export const defineCommand = (c: Command): Command => c

const RUN_SET = { title: "run's options", flags: RUN_FLAGS }
const RUN_RULES = { conflicts: [NAMESPACE_CONFLICT], requires: RUN_REQUIREMENTS, walkthroughSettings: true } as const

const lab = async (args: string[], cx: CommandContext): Promise<number> => (await import('./lab.js')).cmdLab(args, cx.io, cx.signal, cx.cleaning)
const labSub = (name: string, usage: string[], summary: string, flags: FlagSet, subcommands?: Command[]): Command => ({
  name,
  usage,
  summary,
  flags: [{ flags }],
  signals: 'listens',
  ...(subcommands ? { subcommands } : {}),
})

export const COMMANDS: readonly Command[] = [
  defineCommand({
    name: 'run',
    usage: ['kubewalk run [options]'],
    summary: "replay the walkthrough's steps, with checks, then clean up",
    flags: [RUN_SET],
    ...RUN_RULES,
    signals: 'listens',
    run: async (args, cx) => (await import('./run.js')).cmdRun(args, cx, 'run'),
  }),
  defineCommand({
    name: 'drift',
    usage: ['kubewalk drift [options]'],
    summary: `replay quietly, then print only how this cluster differs from what the
walkthrough recorded: expected (tokens, times, ids, addresses), newer
versions, real (reporters: pretty, plain, json)`,
    flags: [RUN_SET],
    ...RUN_RULES,
    signals: 'listens',
    run: async (args, cx) => (await import('./drift.js')).cmdDrift(args, cx),
  }),
  defineCommand({
    name: 'check',
    usage: ['kubewalk check ID [--solution] [options]'],
    summary: `workshops: verify that you did step ID in your own shell (reads the
walkthrough's variables from the environment; never does the step for
you); a failed check prints a hint; --solution prints the step's line`,
    flags: [RUN_SET],
    ...RUN_RULES,
    signals: 'listens',
    subcommands: [
      {
        name: '--forget',
        usage: ['kubewalk check --forget [--kubeconfig F] [--context C] [--namespace NS]'],
        summary: 'remove the kubewalk-progress ConfigMap --report-progress wrote',
        flags: [{ flags: { kubeconfig: RUN_FLAGS.kubeconfig, context: RUN_FLAGS.context, namespace: RUN_FLAGS.namespace } }],
        signals: 'listens',
      },
    ],
    run: async (args, cx) => (await import('./check.js')).cmdCheck(args, cx),
  }),
  defineCommand({
    name: 'serve',
    usage: ["kubewalk serve [run's options] [--port P] [--host H --tls-cert F --tls-key F] [--open]", '[--idle-timeout SECONDS]'],
    summary: `the walkthrough as a notebook in your browser: prose, a cell per step
(Run, Run up to here, Check my work, Reset), live output, checks,
drift, variables, transcript; prints a URL with a token (127.0.0.1
only, unless --host with TLS); Ctrl-C removes what its runs created`,
    flags: [{ title: 'serve', flags: SERVE_FLAGS }, RUN_SET],
    ...RUN_RULES,
    signals: 'listens',
    run: async (args, cx) => (await import('./serve.js')).cmdServe(args, cx),
  }),
  defineCommand({
    name: 'list',
    usage: ['kubewalk list [--walkthrough ID|PATH] [--json]'],
    summary: `list the walkthroughs, and one walkthrough's steps, variables and settings
(--json: the walkthroughs; with --walkthrough, that one's steps)`,
    flags: [{ flags: LIST_FLAGS }],
    signals: 'none',
    run: async (args, cx) => (await import('./list.js')).cmdList(args, cx),
  }),
  defineCommand({
    name: 'new',
    usage: ['kubewalk new ID [--dir DIR] [--typed]'],
    summary: `scaffold a walkthrough that runs at once: DIR/ID.md (Markdown; DIR
default .), or with --typed a folder DIR/ID (package.json, tsconfig,
index.ts, a step, its prose and recording, a vitest test); never
writes over a file or folder that exists (exit 2)`,
    flags: [{ flags: NEW_FLAGS }],
    signals: 'none',
    run: async (args, cx) => (await import('./new.js')).cmdNew(args, cx),
  }),
  defineCommand({
    name: 'record',
    usage: ['kubewalk record [--walkthrough ID|PATH] [--out DIR] [--force] [run options]'],
    summary: `replay, then write each step's output as its recording: files
NN-id.stdout.txt, .stderr.txt, .captured.txt, .exit.txt and
source.json in DIR (default: the folder's recorded/); a JWT keeps its
header and claims and loses its signature, other secrets are masked;
an existing file is replaced only with --force (else exit 2); a
Markdown file without --out gets the outputs in its output blocks (a
new block after a step that has none; one that exists only with
--force, else exit 2 naming file:line)`,
    flags: [{ title: 'record', flags: RECORD_FLAGS }, RUN_SET],
    ...RUN_RULES,
    signals: 'listens',
    run: async (args, cx) => (await import('./record.js')).cmdRecord(args, cx),
  }),
  defineCommand({
    name: 'test',
    usage: ['kubewalk test [--walkthrough ID|PATH] [--json]'],
    summary: `offline (no cluster, no kubectl): the walkthrough keeps the contract,
its prose shows each line, each recording passes its step's checks,
and every check fails on some changed recording; exit 1 lists what
falls short, naming step and check`,
    flags: [{ flags: TEST_FLAGS }],
    signals: 'none',
    run: async (args, cx) => (await import('./test.js')).cmdTest(args, cx),
  }),
  defineCommand({
    name: 'token',
    usage: ['kubewalk token [--token - | --token-file F] [--kubeconfig F] [--context C] [--no-verify] [--json]', '[--show-secrets]'],
    summary: `decode a ServiceAccount token (--token - reads standard input; default:
$TOKEN; --token T works but ps and shell history see it): kind, claims,
local times, remaining lifetime; verify its signature against the
cluster's keys`,
    flags: [{ flags: TOKEN_FLAGS }],
    conflicts: [{ flags: ['token', 'token-file'], message: '--token and --token-file both give the token; pass one.' }],
    signals: 'none',
    run: async (args, cx) => (await import('./token.js')).cmdToken(args, cx.io),
  }),
  defineCommand({
    name: 'matrix',
    usage: [
      'kubewalk matrix [--lab-version V]... [--context C]... [--kubectl FILE]... [--parallel N]',
      '[--reporter pretty|plain|markdown|json|junit] [--out FILE] [--walkthrough ID|PATH]',
      '[--node]',
    ],
    summary: `replay on every server × kubectl: labs by version (default: the three
supported) and/or contexts; clients default to each lab's own kubectl
and each installed kubectl.1.NN; one table, cells outside kubectl's
±1-minor skew marked (exit 1 if an in-skew cell failed, or a cell
produced no report: skew unknown); each lab stops when its cells are
done; --node (root): labs with a node, one at a time (with --parallel,
the next lab with a node waits until the one before is down)`,
    flags: [{ flags: MATRIX_FLAGS }],
    conflicts: [NAMESPACE_CONFLICT],
    signals: 'listens',
    run: async (args, cx) => (await import('./matrix.js')).cmdMatrix(args, cx),
  }),
  defineCommand({
    name: 'class',
    usage: [
      'kubewalk class (--namespaces a,b,c | --selector L=V | --prefix P) [--walkthrough ID|PATH] [--watch]',
      '[--interval S] [--reporter pretty|plain|json] [--kubeconfig F] [--context C]',
      '[--serve [--port P] [--host H --tls-cert F --tls-key F] [--open]]',
    ],
    summary: `workshops, for the instructor: which steps that leave a trace on the
cluster each participant namespace shows (read-only; a minted token,
a read or a deletion leaves none, and is listed as such), and every
step participants reported (--report-progress); exit 1 if a row
could not be read (e.g. namespace X not found); --serve: the board as
a live page (counts per step, last change, large type for a projector)`,
    flags: [{ flags: CLASS_FLAGS }],
    signals: 'read-only',
    subcommands: [
      {
        name: 'open',
        usage: [
          'kubewalk class open (--participants N | --names a,b,c) --out DIR [--prefix P] [--duration 3h]',
          '[--server URL] [--walkthrough ID|PATH] [--kubeconfig F] [--context C]',
        ],
        summary: `workshops: per participant a namespace PREFIX+NAME (labelled
kubewalk.dev/class, PodSecurity baseline, a quota), a ServiceAccount
bound to admin there, and DIR/NAME.kubeconfig (0600, DIR 0700) with a
TokenRequest token for --duration and that namespace as its context's;
one-time hand-out codes in DIR/hand-out-codes.txt; prints who got what,
never a token; Ctrl-C or an error part-way removes what it made`,
        flags: [{ flags: CLASS_OPEN_FLAGS }],
        // It creates namespaces: Ctrl-C removes what it made, as a run's does.
        signals: 'listens',
        run: async (args, cx) => (await import('./class/open.js')).cmdClassOpen(args, cx),
      },
      {
        name: 'close',
        usage: ['kubewalk class close [--prefix P] [--timeout SECONDS] [--kubeconfig F] [--context C]'],
        summary: `remove the class: every RoleBinding and ServiceAccount in its namespaces
first (tokens stop working), then the namespaces; says how long the API
server's 10 s token cache may still pass a token; safe to rerun`,
        flags: [{ flags: CLASS_CLOSE_FLAGS }],
        signals: 'listens',
        run: async (args, cx) => (await import('./class/close.js')).cmdClassClose(args, cx),
      },
      {
        name: 'status',
        usage: ['kubewalk class status [--prefix P] [--json] [--kubeconfig F] [--context C]'],
        summary: 'participants, namespaces, token expiry, steps the board sees done',
        flags: [{ flags: CLASS_STATUS_FLAGS }],
        signals: 'read-only',
        run: async (args, cx) => {
          const board = await import('./class.js')
          return (await import('./class/status.js')).cmdClassStatus(args, cx, { readBoard: board.readBoard, boardView: board.boardView })
        },
      },
    ],
    run: async (args, cx) => (await import('./class.js')).cmdClass(args, cx),
  }),
  defineCommand({
    name: 'import',
    usage: ['kubewalk import SOURCE [--out PATH] [--force] [--typed]'],
    summary: `turn an article (Markdown, or text pasted from a blog: commands after a
shell prompt, outputs after them) into a Markdown walkthrough; --typed
writes a folder (--out DIR): index.ts and one step file per command`,
    flags: [{ flags: IMPORT_FLAGS }],
    signals: 'none',
    run: async (args, cx) => (await import('./import.js')).cmdImport(args, cx),
  }),
  defineCommand({
    name: 'lab',
    usage: ['kubewalk lab build|up|status|down|image import'],
    summary: 'a local control plane (and node) built from Go modules',
    flags: [],
    signals: 'listens',
    subcommands: [
      labSub(
        'build',
        ['kubewalk lab build [--version V] [--node | --kubectl-only]'],
        `build the lab's etcd, kube-apiserver, kube-controller-manager, kubectl (cached);
--node: also kubelet, kube-scheduler, kube-proxy, containerd, CNI, CoreDNS, images;
--kubectl-only: kubectl alone; prints the directory that holds them`,
        LAB_FLAGS.build,
      ),
      labSub(
        'up',
        ['kubewalk lab up [--dir DIR] [--version V] [--cluster-name NAME] [--no-controller-manager] [--node [--pull-through]]'],
        `start a local control plane; prints its kubeconfig path; --node (root): with a
node that runs Pods, its traffic kept on this machine, undone by lab down; its
registry on loopback serves kubewalk's image cache; --pull-through lets pulls
of other images reach their public registries (off by default)`,
        LAB_FLAGS.up,
      ),
      labSub('status', ['kubewalk lab status [--dir DIR] [--json]'], "the lab's state", LAB_FLAGS.status),
      labSub('down', ['kubewalk lab down [--dir DIR]'], 'stop it and remove DIR', LAB_FLAGS.down),
      labSub('image', ['kubewalk lab image import|list'], "the node's images", {}, [
        labSub(
          'import',
          ['kubewalk lab image import FILE.tar [--dir DIR]'],
          `keep an image tarball (docker save, or an OCI layout) in kubewalk's image
cache, which every node lab's registry serves (the running one in DIR at once)`,
          LAB_FLAGS.imageImport,
        ),
        labSub(
          'list',
          ['kubewalk lab image list [--dir DIR] [--json]'],
          'the images the node in DIR can pull (registry, built-in) and the cached ones',
          LAB_FLAGS.imageList,
        ),
      ]),
    ],
    run: lab,
  }),
]

/** The command argv names, the subcommands after it, and the arguments left; undefined for an unknown command. */
export function findCommand(argv: readonly string[]): { path: Command[]; rest: string[] } | undefined {
  const top = COMMANDS.find((c) => c.name === argv[0])
  if (top === undefined) return undefined
  const path = [top]
  let i = 1
  for (;;) {
    const here = path[path.length - 1] as Command
    const sub = here.subcommands?.find((s) => s.name === argv[i] && !s.name.startsWith('-'))
    if (sub === undefined) break
    path.push(sub)
    i++
  }
  return { path, rest: argv.slice(i) }
}

/** Every command and subcommand with its full name (`lab image import`), depth first. */
export function allCommands(): { name: string; command: Command }[] {
  const out: { name: string; command: Command }[] = []
  const walk = (c: Command, prefix: string): void => {
    const name = `${prefix}${c.name}`
    out.push({ name, command: c })
    for (const s of c.subcommands ?? []) walk(s, `${name} `)
  }
  for (const c of COMMANDS) walk(c, '')
  return out
}

/** The flags a command takes, all sets merged. */
export const flagsOf = (c: Command): FlagSet => Object.assign({}, ...c.flags.map((s) => s.flags)) as FlagSet
