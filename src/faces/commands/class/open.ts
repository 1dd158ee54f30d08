// kubewalk class open: a namespace, a ServiceAccount bound to `admin` there, and a kubeconfig with a
// short-lived token for each participant, made with the instructor's kubeconfig. Part-way failures and
// Ctrl-C remove what was made, as --isolate does. Tokens go to files (0600, in a 0700 folder) only.
import type { CommandContext } from '../../context.js'
import { chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { EXIT, parse } from '../../args.js'
import { PreconditionError, UsageError } from '../../../core/errors.js'
import { loadWalkthrough } from '../common.js'
import {
  clusterAccess,
  classNamespaces,
  closeClass,
  createObjects,
  instructorTarget,
  inTurn,
  kubectl,
  recordExpiry,
  requestToken,
  type Instructor,
} from './cluster.js'
import {
  CODES_FILE,
  DEFAULT_PREFIX,
  checkPrefix,
  checkServer,
  codesText,
  durationSeconds,
  handOutCode,
  isLoopback,
  participantKubeconfig,
  participantNames,
  participantObjects,
  participantsOf,
  renderRoster,
  type RosterRow,
} from './roster.js'

export const OPEN_FLAGS = {
  participants: { type: 'string' },
  names: { type: 'string' },
  walkthrough: { type: 'string' },
  prefix: { type: 'string' },
  duration: { type: 'string' },
  server: { type: 'string' },
  out: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const

/** --out DIR: made 0700 if missing; an existing one must be an empty folder (nothing is written over). */
async function prepareOut(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined)
  if (st === undefined) await mkdir(dir, { recursive: true, mode: 0o700 })
  else if (!st.isDirectory()) throw new UsageError(`--out ${dir}: not a folder.`)
  else if ((await readdir(dir)).length > 0)
    throw new UsageError(`--out ${dir}: the folder is not empty; give a new or empty one (nothing is written over).`)
  await chmod(dir, 0o700)
}

export async function cmdClassOpen(argv: string[], cx: CommandContext): Promise<number> {
  const { io, signal } = cx
  const { values, positionals } = parse(argv, OPEN_FLAGS)
  if (positionals.length > 0) throw new UsageError(`class open takes no arguments, got ${positionals[0]}.`)
  const prefix = checkPrefix(values.prefix ?? DEFAULT_PREFIX)
  const participants = participantsOf(participantNames(values, prefix), prefix)
  const seconds = durationSeconds(values.duration)
  const server = values.server !== undefined ? checkServer(values.server) : undefined
  if (values.out === undefined || values.out === '') throw new UsageError('class open needs --out DIR: the folder the kubeconfigs go to.')
  const out = resolve(values.out)
  const w = await loadWalkthrough(cx.walkthroughs, values.walkthrough, io.env)
  const { target, env } = await instructorTarget(values, io.env)
  try {
    const k: Instructor = { env, timeoutMs: 30_000, signal }
    const access = await clusterAccess(k)
    if (server !== undefined) access.server = server
    else if (isLoopback(access.server))
      io.stderr(
        `kubewalk: the API server is ${access.server}, a loopback address: only this machine reaches it; give participants elsewhere another with --server https://HOST:PORT.\n`,
      )
    const can = await kubectl('kubectl auth can-i create namespaces', k)
    if (can.stdout.trim() !== 'yes')
      throw new PreconditionError(
        `class open creates namespaces, and the kubeconfig's user may not (kubectl auth can-i create namespaces: ${can.stdout.trim() || can.why}).`,
      )
    const open = await classNamespaces(prefix, k)
    if (open.length > 0)
      throw new PreconditionError(
        `class ${prefix} is open already (${open.length} namespace(s)); close it first (kubewalk class close --prefix ${prefix}) or pick another --prefix.`,
      )
    const all = await kubectl(`kubectl get namespaces -o jsonpath='{.items[*].metadata.name}'`, k)
    if (!all.ok) throw new PreconditionError(`cannot list namespaces: ${all.why}`)
    const taken = new Set(all.stdout.split(' '))
    const clash = participants.find((p) => taken.has(p.namespace))
    if (clash !== undefined) throw new PreconditionError(`namespace ${clash.namespace} exists already; pick another --prefix.`)
    await prepareOut(out)

    const rows: RosterRow[] = []
    const written: string[] = []
    cx.cleaning([`class ${prefix}'s namespaces, being created`])
    const began = performance.now()
    try {
      io.stderr(`creating ${participants.length} namespace(s) with a ServiceAccount, a RoleBinding to admin, a quota…\n`)
      // A few kubectl calls side by side, each creating a slice of the class in order.
      const slices = Array.from({ length: Math.min(4, participants.length) }, (_, i) => participants.filter((_, j) => j % 4 === i))
      await inTurn(slices, 4, (slice) =>
        createObjects(
          slice.flatMap((p) => participantObjects(p, prefix, w.id)),
          k,
        ),
      )
      io.stderr(`requesting ${participants.length} token(s) for ${Math.round(seconds / 60)} min…\n`)
      const tokens = await inTurn(participants, 6, (p) => requestToken(p, seconds, k))
      await recordExpiry(
        participants.map((p, i) => ({ namespace: p.namespace, expires: (tokens[i] as { expires: string }).expires })),
        k,
      )
      for (const [i, p] of participants.entries()) {
        const t = tokens[i] as { token: string; expires: string }
        const file = join(out, `${p.name}.kubeconfig`)
        written.push(file)
        await writeFile(file, participantKubeconfig(p, access, t.token), { mode: 0o600, flag: 'wx' })
        rows.push({ name: p.name, namespace: p.namespace, file, expires: t.expires })
      }
      const codes = participants.map((p) => ({ name: p.name, code: handOutCode() }))
      written.push(join(out, CODES_FILE))
      await writeFile(join(out, CODES_FILE), codesText(codes), { mode: 0o600, flag: 'wx' })
      if (signal.aborted) throw new PreconditionError('interrupted')
    } catch (e) {
      // Undone without the aborted signal: Ctrl-C stopped the making, not the removing.
      io.stderr(`class open did not finish; removing what it made…\n`)
      const undo: Instructor = { env, timeoutMs: 30_000 }
      const closed = await closeClass(prefix, undo, {
        timeoutMs: 60_000,
        say: (line) => io.stderr(`  ${line}\n`),
        only: participants.map((p) => p.namespace),
      }).catch((err: unknown) => {
        io.stderr(
          `kubewalk: could not remove the class's namespaces (${err instanceof Error ? err.message : String(err)}); run kubewalk class close --prefix ${prefix}\n`,
        )
        return undefined
      })
      if (closed !== undefined && closed.stuck.length > 0) io.stderr(`  still Terminating: ${closed.stuck.join(', ')}\n`)
      await Promise.all(written.map((f) => rm(f, { force: true })))
      if (signal.aborted) return EXIT.interrupted
      throw e
    } finally {
      cx.cleaning(undefined)
    }
    io.stdout(
      `class ${prefix}: ${participants.length} participant(s), walkthrough ${w.id}, server ${access.server} (${((performance.now() - began) / 1000).toFixed(1)} s)\n`,
    )
    io.stdout(renderRoster(rows))
    io.stdout(
      `kubeconfigs (0600) in ${out} (0700); one-time hand-out codes in ${join(out, CODES_FILE)} (private: give each participant theirs, or serve them with kubewalk class --serve --prefix ${prefix} --hand-out ${out})\n` +
        `board: kubewalk class --prefix ${prefix}   status: kubewalk class status --prefix ${prefix}   close: kubewalk class close --prefix ${prefix}\n`,
    )
    return EXIT.ok
  } finally {
    await target.dispose()
  }
}
