// The help text: one for every command but token (which has its own), listing the registry's walkthroughs.
import { runnerDefaults } from '../../engine/runner.js'
import { LAB_VERSION_HELP } from './lab.js'
import type { Walkthrough, WalkthroughEntry } from '../../core/walkthrough.js'

/** The help, with the settings and variables of `shown` (the default walkthrough, or the one --walkthrough names). */
export function helpText(walkthroughs: readonly WalkthroughEntry[], shown: Walkthrough): string {
  const list = walkthroughs.map((w, i) => `  ${w.id.padEnd(12)} ${w.title}${i === 0 ? ' (default)' : ''}`).join('\n')
  const settings = (shown.settings ?? []).map((s) => `  --${s.name} N`.padEnd(24) + `${s.describe} (default ${s.default})`).join('\n')
  const vars = shown.vars.map((v) => `$${v.name}`).join(', ')
  return `kubewalk — replay a Kubernetes walkthrough against a real cluster, step by step, with checks

Walkthroughs (--walkthrough ID, or --walkthrough PATH for one of your own: a folder whose index.ts
or index.js exports it, or a Markdown file; a value is a path when it contains / or ends in .md, so
./article is a folder and article the id):
${list}

Usage:
  kubewalk run [options]        replay the walkthrough's steps, with checks, then clean up
  kubewalk drift [options]      replay quietly, then print only how this cluster differs from what the
                                walkthrough recorded: expected (tokens, times, ids, addresses), newer
                                versions, real (reporters: pretty, plain, json)
  kubewalk check ID [--solution] [options]
                                workshops: verify that you did step ID in your own shell (reads the
                                walkthrough's variables from the environment; never does the step for
                                you); a failed check prints a hint; --solution prints the step's line
  kubewalk check --forget [--kubeconfig F] [--context C] [--namespace NS]
                                remove the kubewalk-progress ConfigMap --report-progress wrote
  kubewalk serve [run's options] [--port P] [--host H --tls-cert F --tls-key F] [--allowed-host N] [--open]
                [--idle-timeout SECONDS]
                                the walkthrough as a notebook in your browser: prose, a cell per step
                                (Run, Run up to here, Check my work, Reset), live output, checks,
                                drift, variables, transcript; prints a URL with a token (127.0.0.1
                                only, unless --host with TLS); Ctrl-C removes what its runs created
  kubewalk list [--walkthrough ID|PATH] [--json]
                                list the walkthroughs, and one walkthrough's steps, variables and settings
                                (--json: the walkthroughs; with --walkthrough, that one's steps)
  kubewalk new ID [--dir DIR] [--typed]
                                scaffold a walkthrough that runs at once: DIR/ID.md (Markdown; DIR
                                default .), or with --typed a folder DIR/ID (package.json, tsconfig,
                                index.ts, a step, its prose and recording, a vitest test); never
                                writes over a file or folder that exists (exit 2)
  kubewalk record [--walkthrough ID|PATH] [--out DIR] [--force] [run options]
                                replay, then write each step's output as its recording: files
                                NN-id.stdout.txt, .stderr.txt, .captured.txt, .exit.txt and
                                source.json in DIR (default: the folder's recorded/); a JWT keeps its
                                header and claims and loses its signature, other secrets are masked;
                                an existing file is replaced only with --force (else exit 2); a
                                Markdown file without --out gets the outputs in its output blocks (a
                                new block after a step that has none; one that exists only with
                                --force, else exit 2 naming file:line)
  kubewalk test [--walkthrough ID|PATH] [--json]
                                offline (no cluster, no kubectl): the walkthrough keeps the contract,
                                its prose shows each line, each recording passes its step's checks,
                                and every check fails on some changed recording; exit 1 lists what
                                falls short, naming step and check
  kubewalk token [--token - | --token-file F] [--kubeconfig F] [--context C] [--no-verify] [--json]
                [--show-secrets]
                                decode a ServiceAccount token (--token - reads standard input; default:
                                $TOKEN; --token T works but ps and shell history see it): kind, claims,
                                local times, remaining lifetime; verify its signature against the
                                cluster's keys
  kubewalk matrix [--lab-version V]... [--context C]... [--kubectl FILE]... [--parallel N]
                [--reporter pretty|plain|markdown|json|junit] [--out FILE] [--walkthrough ID|PATH]
                [--node]
                                replay on every server × kubectl: labs by version (default: the three
                                supported) and/or contexts; clients default to each lab's own kubectl
                                and each installed kubectl.1.NN; one table, cells outside kubectl's
                                ±1-minor skew marked (exit 1 if an in-skew cell failed, or a cell
                                produced no report: skew unknown); each lab stops when its cells are
                                done; --node (root): labs with a node, one at a time (with --parallel,
                                the next lab with a node waits until the one before is down)
  kubewalk class (--namespaces a,b,c | --selector L=V | --prefix P) [--walkthrough ID|PATH] [--watch]
                [--interval S] [--reporter pretty|plain|json] [--kubeconfig F] [--context C]
                [--serve [--port P] [--host H --tls-cert F --tls-key F] [--allowed-host N] [--open]]
                                workshops, for the instructor: which steps that leave a trace on the
                                cluster each participant namespace shows (read-only; a minted token,
                                a read or a deletion leaves none, and is listed as such), and every
                                step participants reported (--report-progress); exit 1 if a row
                                could not be read (e.g. namespace X not found); --serve: the board as
                                a live page (counts per step, last change, large type for a projector);
                                --hand-out DIR: participants fetch their kubeconfig once, at /hand-out,
                                with their one-time code (no board token; the board shows no code)
  kubewalk class open (--participants N | --names a,b,c) --out DIR [--prefix P] [--duration 3h]
                [--server URL] [--walkthrough ID|PATH] [--kubeconfig F] [--context C]
                                workshops: per participant a namespace PREFIX+NAME (labelled
                                kubewalk.dev/class, PodSecurity baseline, a quota), a ServiceAccount
                                bound to admin there, and DIR/NAME.kubeconfig (0600, DIR 0700) with a
                                TokenRequest token for --duration (default 3h; the server may grant
                                less) and that namespace as its context's; one-time hand-out codes in
                                DIR/hand-out-codes.txt; prints who got what, never a token; Ctrl-C or
                                an error part-way removes what it made (default prefix: class-)
  kubewalk class close [--prefix P] [--timeout SECONDS] [--kubeconfig F] [--context C]
                                remove the class: every RoleBinding and ServiceAccount in its namespaces
                                first (tokens stop working), then the namespaces, waited for up to
                                --timeout (default 120); says how long the API server's 10 s token cache
                                may still pass a token; safe to rerun
  kubewalk class status [--prefix P] [--json] [--kubeconfig F] [--context C]
                                participants, namespaces, token expiry, steps the board sees done
  kubewalk import SOURCE [--out PATH] [--force] [--typed]
                                turn an article (Markdown, or text pasted from a blog: commands after a
                                shell prompt, outputs after them) into a Markdown walkthrough; --typed
                                writes a folder (--out DIR): index.ts and one step file per command
  kubewalk lab build [--version V] [--node | --kubectl-only]
                                build the lab's etcd, kube-apiserver, kube-controller-manager, kubectl (cached);
                                --node: also kubelet, kube-scheduler, kube-proxy, containerd, CNI, CoreDNS, images;
                                --kubectl-only: kubectl alone; prints the directory that holds them
  kubewalk lab up [--dir DIR] [--version V] [--cluster-name NAME] [--no-controller-manager] [--node [--pull-through]]
                                start a local control plane; prints its kubeconfig path; --node (root): with a
                                node that runs Pods, its traffic kept on this machine, undone by lab down; its
                                registry on loopback serves kubewalk's image cache; --pull-through lets pulls
                                of other images reach their public registries (off by default)
  kubewalk lab status [--dir DIR] [--json]
  kubewalk lab down [--dir DIR] stop it and remove DIR
  kubewalk lab image import FILE.tar [--dir DIR]
                                keep an image tarball (docker save, or an OCI layout) in kubewalk's image
                                cache, which every node lab's registry serves (the running one in DIR at once)
  kubewalk lab image list [--dir DIR] [--json]
                                the images the node in DIR can pull (registry, built-in) and the cached ones
  kubewalk help | --help | --version

Options for run (drift, check and serve take them too):
  --walkthrough ID|PATH the walkthrough to replay (default: ${walkthroughs[0]?.id ?? 'the first'}), or your own
                        from a folder or a Markdown file
  --kubeconfig FILE     kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config); never written
  --context NAME        kubeconfig context to use (default: the current context)
  --cluster NAME        the cluster name for the walkthrough (default: the context's cluster; another
                        cluster is refused, since a token would be minted on one and sent to another)
  --lab                 start a throwaway local control plane, replay against it, stop it; its own
                        kubectl plays the walkthrough's kubectl (as \`minikube kubectl\` would)
  --lab-version V       the lab's Kubernetes release (with --lab; default latest)
  --node                with --lab (root): the lab gets a node that runs Pods (kubewalk lab up
                        --node); one lab with a node runs at a time: a second waits for the first
  --kubectl CMD         what plays kubectl: a file, or a command with arguments split as a shell
                        would ('minikube kubectl --'), put first on the run's PATH as kubectl
                        (default: the lab's own with --lab, else the kubectl on PATH)
  --namespace NS        act in NS (through the context, never by writing the kubeconfig); NS must
                        exist (default: the context's namespace, else default)
  --isolate             create a fresh namespace (kubewalk-XXXXXXXX, labelled
                        app.kubernetes.io/managed-by=kubewalk), replay in it, delete it at the end
                        (on every path: success, failure, error, Ctrl-C)
  --namespace-timeout SECONDS
                        with --isolate: how long deleting that namespace may take while its
                        finalizers run (default 120); one still Terminating then is named in the
                        report, with the command to watch it
  --set NAME=VALUE      give a variable of the walkthrough its value (a value the prose tells the
                        reader to choose, e.g. a Markdown walkthrough's placeholder); repeatable
  --dry-run             run: print every line that would run and what would be cleaned up, and
                        run nothing (look at a walkthrough from the internet before it touches a cluster)
  --from ID             start at step ID (ids or numbers: kubewalk list)
  --to ID               stop after step ID
  --only ID             run step ID alone
  --reporter NAME       pretty (default on a terminal), plain (default otherwise, or with NO_COLOR),
                        json, junit (JUnit XML), tap (TAP 13)
  --out FILE            write the report to FILE instead of standard output (any reporter)
  --timeout SECONDS     limit for each command (default ${runnerDefaults.commandTimeoutMs / 1000})
  --wait SECONDS        limit for each bounded wait (a controller filling an object, the API server
                        refusing a revoked token) (default: each step's own, 30; check: at most 10)
  --transcript FILE     also write an executable-notebook transcript: the walkthrough with this run's
                        output, checks, timing and drift, in Markdown (a standalone HTML page when
                        FILE ends in .html)
  --interactive         step through: show each step's explanation and command, then wait for a key:
                        Enter runs it, s skips it, q quits (what the run created is still cleaned up)
  --show-secrets        print tokens and Secret data (masked by default)
  --strict-tls          run the lines that verify the API server's certificate against the
                        kubeconfig's CA ($KUBEWALK_CACERT) where a step has one, instead of lines
                        that skip verification; reported as a variant of the walkthrough's line
  --report-progress     run, check, serve: record what passed, for the instructor's board, in one
                        ConfigMap of kubewalk's in your namespace (kubewalk-progress: step ids and
                        times, no values); the only write check ever makes (not with run --isolate)
  --forget              with check alone: remove that ConfigMap
  --use-kuberc          let kubectl 1.34+ read your kuberc (default: off for the run, KUBERC=off, so
                        your aliases and default flags cannot change what the lines print)

Options for serve (and class --serve):
  --port P              the port (default 0: any free one); the URL printed carries the token
  --host H              listen on H instead of 127.0.0.1: only with --tls-cert and --tls-key;
                        0.0.0.0 answers as the machine's addresses and its name
  --allowed-host NAMES  more names clients reach the server by (a,b); the first is the URL printed
  --tls-cert FILE       the certificate (PEM) for HTTPS, with --tls-key FILE its key
  --tls-key FILE        the key (PEM) of --tls-cert
  --open                open the page in the system's browser (through a 0600 file: the token is
                        never on a command line)
  --idle-timeout SECONDS
                        serve: with no page open this long, remove what the page's runs created
                        (default 60)
${settings === '' ? '' : `\nSettings of ${shown.id} (kubewalk list --walkthrough ID shows another's):\n${settings}\n`}
Steps that read a variable of ${shown.id} (${vars}) take it
from earlier steps, or from the environment when run alone (kubewalk run --only ${shown.steps.find((s) => s.reads.length > 0)?.id ?? shown.steps[0]?.id}).

Lab versions:
${LAB_VERSION_HELP}
Exit codes: 0 all steps passed and cleanup was done, 1 a step or the cleanup failed, 2 usage or
precondition error, 130 interrupted; drift also exits 1 when it finds a real difference.
`
}
