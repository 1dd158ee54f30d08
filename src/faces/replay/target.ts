// The replay's ground: the lab (when asked for), the cluster and kubectl it targets, the namespace it
// acts in, and what the walkthrough requires of them, all settled before the first step. close()
// undoes whatever of it was made, on every path.
import type { CommandContext } from '../context.js'
import { existsSync } from 'node:fs'
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { UsageError } from '../../core/errors.js'
import { clusterCaPem, directCredentialsOf, probeVersions, resolveTarget, type Target } from '../../platform/kubeconfig.js'
import { awaitNamespace, createIsolatedNamespace, isolatedName, namespaceCleanup } from '../../engine/namespaces.js'
import { Secrets } from '../../engine/redact.js'
import type { ClusterInfo } from '../report/json.js'
import { runScript, which } from '../../platform/shell.js'
import type { Cleanup, Vars } from '../../core/step.js'
import { startThrowawayLab, type ThrowawayLab } from './lab.js'
import { isKubewalkLab } from '../../platform/lab/recognise.js'
import type { GuardMode } from '../../engine/guard/index.js'
import type { ReplayPlan } from './plan.js'
import { awaitObjects, checkNeeds, checkReadyNode, checkServerVersion, checkTools } from './requirements.js'

/** Everything the runner needs that is not the plan, and how to undo it. */
export interface ReplayTarget {
  target: Target
  /** Environment of every line: the target's (KUBECONFIG, PATH) and KUBERC=off unless --use-kuberc. */
  env: Record<string, string>
  namespace: string
  cluster: ClusterInfo
  secrets: Secrets
  vars: Vars
  /** Cleanups the runner does last (an --isolate namespace); taken over by the runner with takeTeardown(). */
  takeTeardown(): Cleanup[]
  strictTlsCaFile?: string
  /**
   * The server's and kubectl's versions, checked against the walkthrough's minimum. When the plan lets
   * them overlap the opening lines, still pending: the first line that needs the server waits for it.
   */
  ready: Promise<void>
  /** Settled already (ready resolved before the first step). */
  readyAlready: boolean
  /** Undoes what was made for the replay and not handed to the runner: lab, namespace, files. */
  close(): Promise<void>
  /** Whose objects the lines may change beyond those they create: all on a lab this replay started, all in its --isolate namespace. */
  guard: GuardMode
}

/** kubectl 1.34+ reads the user's kuberc (aliases, default flags), which can change what a line prints. */
function kubercNote(plan: ReplayPlan, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (plan.useKuberc) return undefined
  const file = env.KUBERC !== undefined && env.KUBERC !== 'off' ? env.KUBERC : join(env.HOME ?? homedir(), '.kube', 'kuberc')
  return existsSync(file)
    ? `kubectl's kuberc (${file}) is off for this run (KUBERC=off), so it cannot change what the lines print; --use-kuberc honours it`
    : undefined
}

/**
 * A participant's own exported variables seed steps run alone (--only <id>); secret ones are masked.
 * A server URL the shell remembers must be the target's when the run sets a secret: it would be sent there.
 */
export function seedVars(
  plan: Pick<ReplayPlan, 'walkthrough' | 'steps'> & Partial<Pick<ReplayPlan, 'sets'>>,
  env: Readonly<Record<string, string | undefined>>,
  target: Pick<Target, 'cluster'>,
  secrets: Secrets,
): Vars {
  const vars: Vars = {}
  for (const decl of plan.walkthrough.vars) {
    const value = env[decl.name]
    if (decl.fromEnvironment === false || value === undefined || value === '') continue
    vars[decl.name] = value
    if (decl.secret) secrets.add(value)
  }
  // --set wins over the environment: it was said for this run.
  for (const [name, value] of Object.entries(plan.sets ?? {})) {
    vars[name] = value
    if (plan.walkthrough.vars.find((d) => d.name === name)?.secret) secrets.add(value)
  }
  const writes = new Set(plan.steps.map((s) => s.writes).filter((w) => w !== undefined))
  const secret = [...writes].find((w) => w.secret)?.name
  for (const decl of plan.walkthrough.vars) {
    const seeded = vars[decl.name]
    if (decl.holds !== 'server-url' || seeded === undefined || writes.has(decl) || secret === undefined || seeded === target.cluster.server) continue
    throw new UsageError(
      `$${decl.name} is ${seeded}, but this run sets $${secret} on ${target.cluster.name} (${target.cluster.server}): it would be sent to another server; unset ${decl.name} or start from the step that sets it.`,
    )
  }
  return vars
}

/** Starts what the plan asks for and checks the walkthrough's requirements; throws (exit 2) before any step when they are not met. */
export async function openTarget(plan: ReplayPlan, cx: CommandContext): Promise<ReplayTarget> {
  const { io, signal, cleaning } = cx
  const progress = (line: string): void => io.stderr(`${line}\n`)
  let lab: ThrowawayLab | undefined
  let target: Target | undefined
  let workDir: string | undefined
  // An --isolate namespace, until the runner takes it as teardown (then the runner deletes it, whatever happens).
  let isolated: Cleanup | undefined
  const close = async (): Promise<void> => {
    // Created, but the runner never took it: remove it here, and say so.
    if (isolated !== undefined && target !== undefined) {
      const ns = isolated
      isolated = undefined
      cleaning([ns.describe])
      const r = await runScript(ns.script ?? ns.command, { env: { ...io.env, ...target.env }, timeoutMs: ns.timeoutMs ?? plan.commandTimeoutMs })
      io.stderr(
        r.exitCode === 0
          ? `${ns.describe}: done\n`
          : `kubewalk: could not ${ns.describe}: ${r.stderr.trim().split('\n')[0] ?? ''}; remove it with: ${ns.command}\n`,
      )
    }
    await target?.dispose()
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true })
    if (lab) {
      cleaning(['the throwaway lab'])
      await lab.stop()
    }
    cleaning(undefined)
  }
  try {
    if (plan.lab) {
      // While the lab starts, Ctrl-C stops it: a second one is explained, like during cleanup.
      cleaning(['the throwaway lab, still starting'])
      lab = await startThrowawayLab(progress, signal, {
        ...(plan.labVersion !== undefined ? { version: plan.labVersion } : {}),
        ...(plan.node ? { node: true } : {}),
      })
      cleaning(undefined)
    }
    const isolateAs = plan.isolate ? isolatedName() : undefined
    // With --lab the walkthrough's kubectl is the lab's own, of the server's version (what `minikube kubectl` gives).
    const kubectl = plan.kubectl ?? (lab ? join(lab.binDir, 'kubectl') : undefined)
    target = await resolveTarget({
      env: io.env,
      ...(lab ? { kubeconfig: lab.kubeconfig, kubeCacheDir: lab.kubeCacheDir } : {}),
      ...(kubectl !== undefined ? { kubectl } : {}),
      ...(plan.kubeconfig !== undefined ? { kubeconfig: plan.kubeconfig } : {}),
      ...(plan.context !== undefined ? { context: plan.context } : {}),
      ...(plan.cluster !== undefined ? { cluster: plan.cluster } : {}),
      ...(plan.namespace !== undefined ? { namespace: plan.namespace } : {}),
      ...(isolateAs !== undefined ? { namespace: isolateAs } : {}),
    })
    if (lab && plan.kubectl === undefined) progress(`the walkthrough's kubectl is the lab's own, ${kubectl} (${lab.version})`)
    const t = target
    // Input problems first (exit 2 before anything reaches the cluster).
    const secrets = new Secrets()
    const vars = seedVars(plan, io.env, t, secrets)
    await checkTools(plan.walkthrough, { ...io.env, ...t.env })
    const note = kubercNote(plan, io.env)
    if (note) progress(note)
    const env: Record<string, string> = { ...t.env, ...(plan.useKuberc ? {} : { KUBERC: 'off' }) }
    const k = { env: { ...process.env, ...io.env, ...env }, timeoutMs: plan.commandTimeoutMs, signal }
    const waitMs = plan.waitTimeoutMs ?? 30_000
    const kubectlPath = (await which('kubectl', { PATH: env.PATH ?? io.env.PATH ?? '' })) ?? 'kubectl'
    const cluster: ClusterInfo = {
      name: t.cluster.name,
      server: t.cluster.server,
      version: '',
      context: t.context,
      namespace: t.namespace,
      // A --kubectl command is named as the user gave it (`minikube kubectl --`), a file by its absolute path.
      kubectl: {
        path:
          kubectl !== undefined
            ? existsSync(resolvePath(kubectl))
              ? resolvePath(kubectl)
              : kubectl
            : await realpath(kubectlPath).catch(() => kubectlPath),
        version: '',
      },
    }
    // Where the kubeconfig allows it, the preflight's requests go from this process (no kubectl start before step 01).
    const direct = directCredentialsOf({ ...t, env }, io.env)
    const probed = probeVersions({ ...t, env }, { env: io.env, timeoutMs: plan.commandTimeoutMs, direct, signal })
      .then((v) => {
        cluster.version = v.server
        if (cluster.kubectl) cluster.kubectl.version = v.client
        checkServerVersion(plan.walkthrough.requires, v.server, t.cluster.name, plan.walkthrough.id)
      })
      .then(async () => void (await checkReadyNode(plan.walkthrough, t.cluster.name, k, progress)))
      .then(() => checkNeeds(plan.walkthrough, t.cluster.name, async () => lab !== undefined || (await isKubewalkLab(t, io.env)), k, progress))
    probed.catch(() => undefined)
    // When nothing is shown or created before the steps, the probe (a kubectl start, ~100 ms) overlaps
    // the opening lines that need no server; the first line that does, and the report, wait for it. A live
    // report shows each step as it starts (what a person, or a fault test, watches), and its header names
    // the server's version: its first step waits for the probe (replay hands it to the runner as `opening`,
    // so the run's shell starts meanwhile).
    const overlap = isolateAs === undefined && plan.namespace === undefined && !plan.interactive
    if (!overlap) await probed
    if (isolateAs !== undefined) {
      cleaning([`namespace ${isolateAs}, being created`])
      // Registered before it exists: a create whose answer is lost may still have made it.
      isolated = namespaceCleanup(isolateAs, plan.namespaceTimeoutMs)
      await createIsolatedNamespace(isolateAs, k)
      cleaning(undefined)
      progress(`isolated: the run acts in namespace ${isolateAs}, deleted at the end`)
    }
    if (isolateAs !== undefined || plan.namespace !== undefined) await awaitNamespace(t.namespace, k)
    const objects = plan.walkthrough.requires?.objects ?? []
    // The objects the lines expect: awaited beside the version probe when that overlaps, else now.
    // If the probe fails, the wait for objects stops too: nothing is left polling a server that is not there.
    const stopObjects = new AbortController()
    probed.catch(() => stopObjects.abort())
    const awaitAll = async (): Promise<void> =>
      awaitObjects(objects, t.namespace, { ...k, signal: AbortSignal.any([signal, stopObjects.signal]), waitMs, direct: await direct })
    // Beside the probe (one kubectl start less before step 01), unless the probe may be asking the user
    // to log in on the terminal: then after it, so no second credential prompt races the first.
    const beside = objects.length > 0 && io.stdin?.isTTY !== true ? awaitAll() : undefined
    beside?.catch(() => undefined)
    // The probe's answer first: an unreachable or too old server is the cause to name, not a missing object.
    const ready = objects.length === 0 ? probed : probed.then(() => beside ?? awaitAll())
    ready.catch(() => undefined)
    if (!overlap) await ready
    let strictTlsCaFile: string | undefined
    if (plan.strictTls) {
      workDir = await mkdtemp(join(tmpdir(), 'kubewalk-ca-'))
      strictTlsCaFile = join(workDir, 'ca.crt')
      await writeFile(strictTlsCaFile, await clusterCaPem(t, io.env), { mode: 0o600 })
    }
    return {
      target: t,
      env,
      namespace: t.namespace,
      cluster,
      secrets,
      vars,
      takeTeardown: () => {
        const taken = isolated ? [isolated] : []
        isolated = undefined
        return taken
      },
      ...(strictTlsCaFile !== undefined ? { strictTlsCaFile } : {}),
      ready,
      readyAlready: !overlap,
      close,
      guard: {
        lab: lab !== undefined,
        namespaces: isolateAs !== undefined ? [isolateAs] : [],
        allow: [...(plan.walkthrough.changes ?? []), ...plan.allowChanges],
      },
    }
  } catch (e) {
    await close()
    throw e
  }
}
