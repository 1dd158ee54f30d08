// The namespace a run acts in: one the user names (--namespace), which must exist, or a fresh one
// kubewalk creates for the run and deletes after it (--isolate). Every value reaches kubectl through
// zx's quoting; the run's own lines act in it through the context overlay, never by editing them.
import { randomBytes } from 'node:crypto'
import { PreconditionError, UsageError } from '../core/errors.js'
import { quote, runScript } from '../platform/shell.js'
import type { Cleanup } from '../core/step.js'
import { firstLine } from '../core/text.js'

/** The label that marks a namespace as kubewalk's (so `kubewalk class --selector` and people can find them). */
export const ISOLATED_LABEL = 'app.kubernetes.io/managed-by=kubewalk'
export const ISOLATED_PREFIX = 'kubewalk-'

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/** A namespace name must be an RFC 1123 label; a UsageError (exit 2) says what is wrong with it. */
export function checkNamespaceName(flag: string, name: string): string {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(name)} is not a namespace name: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit.`,
    )
  }
  return name
}

/** `kubewalk-` and 8 random lower-case hex digits. */
export function isolatedName(): string {
  return `${ISOLATED_PREFIX}${randomBytes(4).toString('hex')}`
}

interface Kubectl {
  env: Record<string, string | undefined>
  timeoutMs: number
  signal?: AbortSignal
}

async function kubectl(line: string, k: Kubectl): Promise<{ ok: boolean; stdout: string; why: string }> {
  const r = await runScript(line, { env: k.env, timeoutMs: k.timeoutMs, ...(k.signal ? { signal: k.signal } : {}) })
  return {
    ok: r.exitCode === 0,
    stdout: r.stdout,
    why: r.timedOut ? `no answer within ${k.timeoutMs / 1000} s` : firstLine(r.stderr) || `exit code ${r.exitCode}`,
  }
}

/** The namespace exists (--namespace must name one; --isolate's was just made): a PreconditionError otherwise. */
export async function awaitNamespace(name: string, k: Kubectl): Promise<void> {
  const ns = await kubectl(`kubectl get namespace ${quote(name)} -o name`, k)
  if (!ns.ok) {
    throw new PreconditionError(
      /NotFound|not found/.test(ns.why)
        ? `namespace ${name} does not exist; create it (kubectl create namespace ${name}) or pick another with --namespace.`
        : `cannot read namespace ${name}: ${ns.why}`,
    )
  }
}

/** How long deleting an --isolate namespace may take by default (its finalizers run first): --namespace-timeout. */
export const NAMESPACE_DELETE_TIMEOUT_MS = 120_000

/**
 * How the namespace of an --isolate run is removed: a cleanup like any other, reported with the rest,
 * with its own bound. It waits for the namespace to be gone, so one held by a finalizer is a failed
 * cleanup that names it and the command to watch it, not a silent leftover.
 */
export function namespaceCleanup(name: string, timeoutMs: number = NAMESPACE_DELETE_TIMEOUT_MS): Cleanup {
  const seconds = Math.max(1, Math.floor(timeoutMs / 1000))
  const command = `kubectl delete namespace ${quote(name)} --ignore-not-found --wait=true --timeout=${seconds}s`
  const stuck = `namespace ${name} is still Terminating after ${seconds} s (a finalizer holds it); watch it with: kubectl get namespace ${name} -w`
  // kubectl's own timeout ends first; what is said then depends on whether the namespace is still there.
  const script = `out=$(${command} 2>&1) && exit 0\nif kubectl get namespace ${quote(name)} -o name >/dev/null 2>&1; then printf '%s\\n' ${quote(stuck)} >&2; else printf '%s\\n' "$out" >&2; fi\nexit 1`
  return { describe: `delete namespace ${name}`, command, script, timeoutMs: timeoutMs + 10_000 }
}

/**
 * Creates a fresh namespace for the run, labelled as kubewalk's. A user whom RBAC does not allow to
 * create namespaces is told so first (PreconditionError, exit 2), before anything is created.
 */
export async function createIsolatedNamespace(name: string, k: Kubectl): Promise<void> {
  const can = await kubectl('kubectl auth can-i create namespaces', k)
  if (can.stdout.trim() !== 'yes') {
    throw new PreconditionError(
      `--isolate needs to create a namespace, and the kubeconfig's user may not (kubectl auth can-i create namespaces: ${can.stdout.trim() || can.why}); ask for a namespace of your own and pass it with --namespace.`,
    )
  }
  const manifest = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    ${ISOLATED_LABEL.replace('=', ': ')}\n`
  const made = await kubectl(`printf '%s' ${quote(manifest)} | kubectl create -f -`, k)
  if (!made.ok) throw new PreconditionError(`--isolate could not create namespace ${name}: ${made.why}`)
}
