// What a walkthrough declares it needs (Walkthrough.requires), checked before its first step: the
// tools its lines call, the oldest server it works on, the objects its lines expect in the namespace.
// The engine assumes nothing else: a walkthrough that declares none of them needs none of them.
import { execFile } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { PreconditionError, errorMessage } from '../../core/errors.js'
import { quote, runScript, which } from '../../platform/shell.js'
import { firstLine } from '../../core/text.js'
import type { Need, NeedKind, Requirements, Walkthrough } from '../../core/walkthrough.js'
import { objectPath } from '../../platform/direct-read.js'
import { directGet, type DirectCredentials } from '../../platform/version-probe.js'

const VERSION = /^v?(\d+)\.(\d+)/

/** Every declared tool that is not on PATH: a PreconditionError naming the first, before anything runs. */
export async function checkTools(w: Pick<Walkthrough, 'id' | 'requires'>, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  for (const tool of w.requires?.tools ?? []) {
    if ((await which(tool, env)) === undefined)
      throw new PreconditionError(`${tool} is not on PATH; install ${tool} (walkthrough ${w.id}'s lines call it).`)
  }
}

/** The server's version against the walkthrough's minimum: a PreconditionError when it is older. */
export function checkServerVersion(requires: Requirements | undefined, server: string, clusterName: string, walkthroughId: string): void {
  const min = requires?.kubernetes
  if (min === undefined) return
  const have = VERSION.exec(server)
  const want = VERSION.exec(min)
  if (!have || !want) return
  const older = Number(have[1]) < Number(want[1]) || (Number(have[1]) === Number(want[1]) && Number(have[2]) < Number(want[2]))
  if (older) throw new PreconditionError(`${clusterName} runs Kubernetes ${server}; walkthrough ${walkthroughId} needs ${min} or newer.`)
}

export interface KubectlEnv {
  env: Record<string, string | undefined>
  timeoutMs: number
  signal?: AbortSignal
}

/** One read of a declared object: there, not found (worth waiting for), forbidden (the lines will say), or kubectl's error. */
type Found = { is: 'there' } | { is: 'forbidden' } | { is: 'missing'; why: string } | { is: 'error'; why: string }

async function findObject(object: string, namespace: string, k: KubectlEnv & { direct?: DirectCredentials | undefined }): Promise<Found> {
  const path = objectPath(object, namespace)
  // A request from this process where the kubeconfig allows it (no kubectl start); any answer but 200, 403 or 404 is
  // asked again of kubectl, so a failure is said in its words.
  const r = path !== undefined && k.direct !== undefined ? await directGet(k.direct, path, Math.min(k.timeoutMs, DIRECT_MS)) : undefined
  if (r?.status === 200) return { is: 'there' }
  if (r?.status === 403) return { is: 'forbidden' }
  if (r?.status === 404 && /"reason"\s*:\s*"NotFound"/.test(r.body)) return { is: 'missing', why: `${object} not found` }
  const got = await kubectlDirect(['get', object, '-n', namespace, '-o', 'name'], k)
  if (got.exitCode === 0) return { is: 'there' }
  const why = got.timedOut ? `no answer within ${k.timeoutMs / 1000} s` : firstLine(got.stderr) || `exit code ${got.exitCode}`
  // A user whom RBAC does not let read it cannot be told it is missing: the lines themselves will say.
  if (/\bforbidden\b/i.test(got.stderr)) return { is: 'forbidden' }
  return { is: /NotFound|not found/.test(got.stderr) ? 'missing' : 'error', why }
}

// A request from this process gets a short budget: one that goes unanswered is asked of kubectl, with the full one.
const DIRECT_MS = 2_000

/**
 * Waits (bounded) until every declared object exists in the namespace: a controller may still be
 * making it in a namespace that is minutes old. A PreconditionError names the one that never came.
 */
export async function awaitObjects(
  objects: readonly string[],
  namespace: string,
  k: KubectlEnv & { waitMs: number; direct?: DirectCredentials | undefined },
): Promise<void> {
  const deadline = performance.now() + k.waitMs
  for (const object of objects) {
    for (;;) {
      const found = await findObject(object, namespace, k)
      if (found.is === 'there' || found.is === 'forbidden') break
      // Only "not found" is worth waiting for; anything else (a dead server) is said at once.
      if (found.is === 'error')
        throw new PreconditionError(`cannot read ${object} in namespace ${namespace} (the walkthrough's lines expect it): ${found.why}`)
      if (k.signal?.aborted || performance.now() + 250 > deadline) {
        throw new PreconditionError(
          `namespace ${namespace} has no ${object} after ${Math.round(k.waitMs / 1000)} s (the walkthrough's lines expect it; a controller usually makes it): ${found.why}`,
        )
      }
      await sleep(250, undefined, k.signal ? { signal: k.signal } : {}).catch(() => undefined)
    }
  }
}

/**
 * `kubectl ARGS` run directly, not through bash: kubewalk's own read needs no shell, and before step 01 a bash start
 * and zx's wrapping of it cost 20-50 ms of CPU on a loaded machine (a --cpu-prof of a run).
 */
function kubectlDirect(args: string[], k: KubectlEnv): Promise<{ exitCode: number | null; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      args,
      { env: { ...process.env, ...k.env }, timeout: k.timeoutMs, encoding: 'utf8', ...(k.signal ? { signal: k.signal } : {}) },
      (error, _stdout, stderr) => {
        if (error === null) return resolve({ exitCode: 0, stderr, timedOut: false })
        const timedOut = error.killed === true && error.name !== 'AbortError' && error.code === null
        const exitCode = typeof error.code === 'number' ? error.code : null
        // kubectl did not start (not on PATH): said in Node's words, as bash would have said it in its own.
        resolve({ exitCode, stderr: stderr || (typeof error.code === 'string' ? errorMessage(error) : ''), timedOut })
      },
    )
  })
}

/**
 * A cluster whose lines run Pods needs a node that is Ready: a PreconditionError (exit 2) before any step
 * otherwise. A user RBAC does not let list nodes (a workshop participant, admin of one namespace) is told
 * it is unknown, through `say`, and the run goes on: its Pods will show whether one is there.
 */
export async function checkReadyNode(
  w: Pick<Walkthrough, 'id' | 'requires'>,
  clusterName: string,
  k: KubectlEnv,
  say: (line: string) => void = () => undefined,
): Promise<'ready' | 'unknown' | undefined> {
  if (w.requires?.node !== true) return undefined
  const r = await runScript(
    `kubectl get nodes -o jsonpath=${quote('{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}')}`,
    { env: k.env, timeoutMs: k.timeoutMs, ...(k.signal ? { signal: k.signal } : {}) },
  )
  if (r.exitCode !== 0 && /\(Forbidden\)|\bforbidden\b/.test(r.stderr)) {
    say(`walkthrough ${w.id} runs Pods; whether ${clusterName} has a Ready node is unknown (your user may not list nodes), so the run goes on`)
    return 'unknown'
  }
  if (r.exitCode !== 0)
    throw new PreconditionError(
      `walkthrough ${w.id} runs Pods, and the nodes of ${clusterName} cannot be read: ${firstLine(r.stderr) || `exit code ${r.exitCode}`}`,
    )
  const nodes = r.stdout.split('\n').filter(Boolean)
  if (!nodes.some((n) => n.endsWith('=True'))) {
    throw new PreconditionError(
      `walkthrough ${w.id} runs Pods, and ${clusterName} has ${nodes.length === 0 ? 'no node' : `no Ready node (${nodes.join(', ')})`}; a lab gets one with --node (kubewalk lab up --node, run --lab --node).`,
    )
  }
  return 'ready'
}

/** What a need is called in one line, and why a cluster of kubewalk's lab lacks it. */
const NEED_NAMES: Record<NeedKind, { name: string; lab?: string }> = {
  'load-balancer': { name: 'a LoadBalancer', lab: 'the lab has no cloud provider to give a Service an external IP' },
  metrics: { name: 'metrics-server (the resource metrics API, metrics.k8s.io)' },
  'default-storage': { name: 'a default StorageClass (a storage provisioner)' },
  internet: { name: 'internet access from a Pod', lab: "the lab's Pods reach nothing beyond this machine" },
  terminal: { name: 'a person at the terminal', lab: 'kubewalk runs each line without a terminal to type a password into' },
}

/**
 * Each need the walkthrough's lines declare, checked where it can be: the metrics API and a default
 * StorageClass on any cluster (one request each; a user who may not read them is told it is unknown),
 * a LoadBalancer and internet from Pods on kubewalk's own lab only (a cloud has them), a password prompt
 * always. A PreconditionError (exit 2) names the first one missing, in one line, before step 01.
 */
export async function checkNeeds(
  w: Pick<Walkthrough, 'id' | 'requires'>,
  clusterName: string,
  isLab: () => Promise<boolean>,
  k: KubectlEnv,
  say: (line: string) => void = () => undefined,
): Promise<void> {
  const missing = (need: Need, why: string): PreconditionError =>
    new PreconditionError(`walkthrough ${w.id} needs ${NEED_NAMES[need.kind].name}: ${need.at} asks for it (${need.because}), and ${why}.`)
  const opts = { env: k.env, timeoutMs: k.timeoutMs, ...(k.signal ? { signal: k.signal } : {}) }
  for (const need of w.requires?.needs ?? []) {
    const why = NEED_NAMES[need.kind].lab
    if (need.kind === 'terminal') throw missing(need, why as string)
    if ((need.kind === 'load-balancer' || need.kind === 'internet') && (await isLab())) throw missing(need, why as string)
    if (need.kind === 'metrics') {
      const r = await runScript('kubectl get --raw /apis/metrics.k8s.io/v1beta1', opts)
      if (r.exitCode === 0) continue
      if (/NotFound|could not find the requested resource/.test(r.stderr)) throw missing(need, `${clusterName} does not serve it`)
      say(
        `walkthrough ${w.id} reads the metrics API; whether ${clusterName} serves it is unknown (${firstLine(r.stderr) || `exit code ${r.exitCode}`})`,
      )
    }
    if (need.kind === 'default-storage') {
      const r = await runScript(
        `kubectl get storageclasses -o jsonpath=${quote('{range .items[*]}{.metadata.annotations.storageclass\\.kubernetes\\.io/is-default-class}{"\\n"}{end}')}`,
        opts,
      )
      if (r.exitCode === 0 && r.stdout.split('\n').includes('true')) continue
      if (r.exitCode === 0) throw missing(need, `${clusterName} has no default StorageClass to provision the claim`)
      say(
        `walkthrough ${w.id} claims storage; whether ${clusterName} has a default StorageClass is unknown (${firstLine(r.stderr) || `exit code ${r.exitCode}`})`,
      )
    }
  }
}
