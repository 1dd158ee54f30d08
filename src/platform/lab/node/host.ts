// Every change the node makes outside its own process tree, written down before it is made, and undone in reverse.
// The journal lives in the lab's directory and, for a lab whose directory is gone, in /run/kubewalk.
import { mkdir, readFile, readdir, rm, rmdir, stat, statfs, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa } from 'execa'
import { LabError, errorMessage } from '../../../core/errors.js'
import { writeWhole } from '../files.js'
import { processesWhere } from '../processes.js'
import { emptyIptablesTables, iptablesCleanupScript, parseNftTables } from './firewall.js'

/** One change to the host; each kind says how it is undone. */
export type HostChange =
  /** A network link the lab made (or a component made for it): deleted. */
  | { kind: 'link'; name: string }
  /** An address the lab put on an existing link (loopback, where the kernel has no dummy links): deleted. */
  | { kind: 'address'; dev: string; cidr: string }
  /** A route of the lab's: deleted. */
  | { kind: 'route'; spec: string[] }
  /** The lab's own nftables table ("inet kubewalk_lab"): deleted. */
  | { kind: 'nft-table'; table: string }
  /** A sysctl and its value before: restored. */
  | { kind: 'sysctl'; key: string; before: string }
  /** A file or directory that did not exist before: removed (after everything below it is unmounted). */
  | { kind: 'path'; path: string }
  /** Mounts below this directory (kubelet's volumes, containerd's rootfs and netns): unmounted, deepest first. */
  | { kind: 'mounts'; under: string }
  /** A cgroup (relative to each v1 controller's mount, or the v2 root) that the kubelet roots its Pods in: its processes killed, then removed. */
  | { kind: 'cgroup'; name: string }
  /** iptables chains and tables the kubelet and kube-proxy make; `tablesBefore` are the nftables tables that existed. */
  | { kind: 'iptables'; tablesBefore: string[] }
  /** Processes of `exe` whose arguments include `arg` (containerd's shims, which outlive containerd by design): killed. */
  | { kind: 'processes'; exe: string; arg: string }

/** The journal: the lab it belongs to and its changes in the order they were made. */
export interface HostJournal {
  labDir: string
  /** The `lab up` process that is making these changes: while it lives, the lab is starting, not stale. */
  ownerPid?: number
  changes: HostChange[]
}

/** Where a node lab announces itself host-wide: one node lab at a time; the next one undoes a killed one's leftovers. */
export const HOST_JOURNAL = '/run/kubewalk/node.json'

export function journalPathIn(labDir: string): string {
  return path.join(labDir, 'node', 'host.json')
}

async function readJournal(file: string): Promise<HostJournal | undefined> {
  try {
    const j = JSON.parse(await readFile(file, 'utf8')) as HostJournal
    return typeof j.labDir === 'string' && Array.isArray(j.changes) ? j : undefined
  } catch {
    return undefined
  }
}

/** The host-wide journal of a node lab, if one is recorded. */
export function readHostJournal(): Promise<HostJournal | undefined> {
  return readJournal(HOST_JOURNAL)
}

/** The journal of the node lab in labDir, if any (its own copy, else the host-wide one when it names labDir). */
export async function readLabJournal(labDir: string): Promise<HostJournal | undefined> {
  const own = await readJournal(journalPathIn(labDir))
  if (own) return own
  const host = await readHostJournal()
  return host && path.resolve(host.labDir) === path.resolve(labDir) ? host : undefined
}

// Labs whose host journal this process claimed: a journal naming this process is live only if it is one of them (matrix
// --node starts several labs in one process; a journal naming a pid reused by this process is a killed lab's).
const claimedHere = new Set<string>()

/** Notes that this process claimed the host for the lab in labDir (HostRecorder.claim does). */
export function noteClaimed(labDir: string): void {
  claimedHere.add(path.resolve(labDir))
}

/** Whether this process claimed the host for the lab in labDir. */
export function claimedByThisProcess(labDir: string): boolean {
  return claimedHere.has(path.resolve(labDir))
}

/** Records changes before they are made, in both copies of the journal. */
export class HostRecorder {
  readonly journal: HostJournal

  constructor(labDir: string, ownerPid?: number) {
    this.journal = { labDir, ...(ownerPid !== undefined ? { ownerPid } : {}), changes: [] }
  }

  /** Creates the host-wide journal, atomically: false when another node lab holds it. */
  async claim(): Promise<boolean> {
    await mkdir(path.dirname(HOST_JOURNAL), { recursive: true, mode: 0o700 })
    try {
      await writeFile(HOST_JOURNAL, `${JSON.stringify(this.journal, null, 2)}\n`, { flag: 'wx', mode: 0o600 })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    }
    noteClaimed(this.journal.labDir)
    await this.save()
    return true
  }

  async save(): Promise<void> {
    const text = `${JSON.stringify(this.journal, null, 2)}\n`
    await mkdir(path.dirname(journalPathIn(this.journal.labDir)), { recursive: true, mode: 0o700 })
    await writeWhole(HOST_JOURNAL, text, 0o600)
    await writeWhole(journalPathIn(this.journal.labDir), text, 0o600)
  }

  /** Writes the change down, then runs `apply`: a crash in between leaves an undo that finds nothing to undo. */
  async change(change: HostChange, apply: () => Promise<unknown> = async () => {}): Promise<void> {
    this.journal.changes.push(change)
    await this.save()
    await apply()
  }
}

async function run(cmd: string, args: string[], input?: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa(cmd, args, { reject: false, stdin: input === undefined ? 'ignore' : 'pipe', ...(input !== undefined ? { input } : {}) })
  return { ok: !r.failed, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') }
}

/** The commands the node runs on the host, so a test can see them. */
export const hostCommands = {
  ip: (args: string[]) => run('ip', args),
  nft: (args: string[], input?: string) => run('nft', args, input),
}

const SYSCTL_ROOT = '/proc/sys'

function sysctlFile(key: string): string {
  if (!/^[a-z0-9_.-]+$/i.test(key)) throw new LabError(`Not a sysctl name: ${JSON.stringify(key)}.`)
  return path.join(SYSCTL_ROOT, ...key.split('.'))
}

export async function readSysctl(key: string): Promise<string | undefined> {
  return (await readFile(sysctlFile(key), 'utf8').catch(() => undefined))?.trim()
}

export async function writeSysctl(key: string, value: string): Promise<void> {
  await writeFile(sysctlFile(key), `${value}\n`)
}

export async function pathExists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  )
}

/** Mount points at or below `dir`, deepest first, from /proc/self/mountinfo (octal escapes decoded). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const base = path.resolve(dir)
  return mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined)
    .map((m) => m.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === base || m.startsWith(`${base}/`))
    .sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length)
}

async function unmountUnder(dir: string): Promise<void> {
  // A mount can hide another at the same place: read again until nothing is left (bounded).
  for (let round = 0; round < 10; round++) {
    const mounts = mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir)
    if (mounts.length === 0) return
    for (const m of mounts) {
      const r = await run('umount', [m])
      if (!r.ok) await run('umount', ['-l', m])
    }
  }
}

// statfs(2)'s f_type of a cgroup2 file system (CGROUP2_SUPER_MAGIC): what the kubelet checks /sys/fs/cgroup for.
const CGROUP2_MAGIC = 0x63677270

/** Whether /sys/fs/cgroup is the unified cgroup v2 hierarchy (a hybrid, with v2 only at unified/, is v1 to the kubelet). */
export async function hostHasCgroupV2(root = '/sys/fs/cgroup'): Promise<boolean> {
  return (await statfs(root).catch(() => undefined))?.type === CGROUP2_MAGIC
}

/** Makes the cgroup `name` in every hierarchy (v1: each controller, cpuset's cpus and mems copied from its parent). */
export async function createCgroup(name: string): Promise<void> {
  const root = '/sys/fs/cgroup'
  if (await pathExists(path.join(root, 'cgroup.controllers'))) {
    await mkdir(path.join(root, name), { recursive: true })
    return
  }
  for (const controller of await readdir(root).catch(() => [] as string[])) {
    const parent = path.join(root, controller)
    if (!(await pathExists(path.join(parent, 'cgroup.procs')))) continue
    const dir = path.join(parent, name)
    await mkdir(dir, { recursive: true })
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      const value = await readFile(path.join(parent, f), 'utf8').catch(() => undefined)
      if (value !== undefined) await writeFile(path.join(dir, f), value)
    }
  }
}

/** Directories of the cgroup `name` in every hierarchy mounted under /sys/fs/cgroup (v1 controllers, or the v2 root). */
async function cgroupDirs(name: string): Promise<string[]> {
  const root = '/sys/fs/cgroup'
  const direct = path.join(root, name)
  const dirs: string[] = []
  if (await pathExists(path.join(root, 'cgroup.controllers'))) return (await pathExists(direct)) ? [direct] : []
  for (const controller of await readdir(root).catch(() => [] as string[])) {
    const d = path.join(root, controller, name)
    if (await pathExists(d)) dirs.push(d)
  }
  return dirs
}

async function subtree(dir: string): Promise<string[]> {
  const out = [dir]
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) out.push(...(await subtree(path.join(dir, e.name))))
  }
  return out
}

async function pidsIn(dirs: string[]): Promise<number[]> {
  const pids = new Set<number>()
  for (const d of dirs) {
    const text = (await readFile(path.join(d, 'cgroup.procs'), 'utf8').catch(() => '')).trim()
    for (const p of text.split('\n').filter(Boolean)) pids.add(Number(p))
  }
  return [...pids]
}

async function removeCgroup(name: string): Promise<void> {
  for (const root of await cgroupDirs(name)) {
    const all = await subtree(root)
    for (let round = 0; round < 50; round++) {
      const pids = await pidsIn(all)
      if (pids.length === 0) break
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // gone already
        }
      }
      await sleep(100)
    }
    // Deepest first: a cgroup with children cannot be removed.
    for (const d of all.sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => {})
  }
}

/** Pids whose program (argv[0], by its file name) is `exe` and whose arguments hold `arg`. */
async function processesOf(exe: string, arg: string): Promise<number[]> {
  return (await processesWhere((argv) => path.basename(argv[0]!) === path.basename(exe) && argv.includes(arg))).map((p) => p.pid)
}

async function undoIptables(tablesBefore: string[]): Promise<string[]> {
  const problems: string[] = []
  for (const [save, restore, family] of [
    ['iptables-save', 'iptables-restore', 'ip'],
    ['ip6tables-save', 'ip6tables-restore', 'ip6'],
  ] as const) {
    const dump = await run(save, [])
    if (!dump.ok) continue
    const script = iptablesCleanupScript(dump.stdout)
    if (script) {
      const r = await run(restore, ['--noflush'], script)
      if (!r.ok) problems.push(`${restore}: ${r.stderr.trim()}`)
    }
    // iptables-nft makes a table on first use; one the lab's components brought and left empty goes too.
    const now = await run(save, [])
    const before = new Set(tablesBefore)
    for (const table of emptyIptablesTables(now.stdout)) {
      if (before.has(`${family} ${table}`)) continue
      const r = await hostCommands.nft(['delete', 'table', family, table])
      if (!r.ok) problems.push(`nft delete table ${family} ${table}: ${r.stderr.trim()}`)
    }
  }
  // kube-proxy's nftables mode keeps its rules in tables of its own.
  const tables = parseNftTables((await hostCommands.nft(['list', 'tables'])).stdout)
  for (const t of tables.filter((t) => /^(ip|ip6|inet) kube-proxy$/.test(t) && !tablesBefore.includes(t))) {
    const [family, name] = t.split(' ') as [string, string]
    await hostCommands.nft(['delete', 'table', family, name])
  }
  return problems
}

async function undoOne(change: HostChange): Promise<string | undefined> {
  switch (change.kind) {
    case 'link': {
      const shown = await hostCommands.ip(['link', 'show', 'dev', change.name])
      if (!shown.ok) return undefined
      // A Pod's veth outlives the Pod while its network namespace waits for orphaned sockets to time out (minutes,
      // measured after kube-proxy's rules were flushed): its host end goes with the bridge it is plugged into.
      const ports = await hostCommands.ip(['-j', 'link', 'show', 'master', change.name])
      for (const port of ports.ok ? (JSON.parse(ports.stdout || '[]') as { ifname?: string }[]) : []) {
        if (port.ifname) await hostCommands.ip(['link', 'delete', 'dev', port.ifname])
      }
      const r = await hostCommands.ip(['link', 'delete', 'dev', change.name])
      return r.ok ? undefined : `ip link delete ${change.name}: ${r.stderr.trim()}`
    }
    case 'address': {
      const r = await hostCommands.ip(['addr', 'delete', change.cidr, 'dev', change.dev])
      return r.ok || /Cannot assign|not found|No such/i.test(r.stderr)
        ? undefined
        : `ip addr delete ${change.cidr} dev ${change.dev}: ${r.stderr.trim()}`
    }
    case 'route': {
      const r = await hostCommands.ip(['route', 'delete', ...change.spec])
      // Gone already is what we want.
      return r.ok || /No such process|not found/i.test(r.stderr) ? undefined : `ip route delete ${change.spec.join(' ')}: ${r.stderr.trim()}`
    }
    case 'nft-table': {
      const [family, name] = change.table.split(' ') as [string, string]
      const listed = parseNftTables((await hostCommands.nft(['list', 'tables'])).stdout)
      if (!listed.includes(change.table)) return undefined
      const r = await hostCommands.nft(['delete', 'table', family, name])
      return r.ok ? undefined : `nft delete table ${change.table}: ${r.stderr.trim()}`
    }
    case 'sysctl':
      if ((await readSysctl(change.key)) !== change.before) await writeSysctl(change.key, change.before)
      return undefined
    case 'path':
      await unmountUnder(change.path)
      await rm(change.path, { recursive: true, force: true })
      return undefined
    case 'mounts':
      await unmountUnder(change.under)
      return undefined
    case 'cgroup':
      await removeCgroup(change.name)
      return undefined
    case 'iptables': {
      const problems = await undoIptables(change.tablesBefore)
      return problems.length > 0 ? problems.join('; ') : undefined
    }
    case 'processes':
      for (const pid of await processesOf(change.exe, change.arg)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // gone already
        }
      }
      return undefined
  }
}

/**
 * Undoes a journal's changes, last first. Every change is tried even when one fails; the failures come back as
 * sentences. The journal files are removed once everything was undone.
 */
export async function undoHostChanges(journal: HostJournal): Promise<string[]> {
  const problems: string[] = []
  for (const change of [...journal.changes].reverse()) {
    try {
      const p = await undoOne(change)
      if (p) problems.push(p)
    } catch (error) {
      problems.push(`undoing ${change.kind}: ${errorMessage(error)}`)
    }
  }
  if (problems.length === 0) {
    await rm(journalPathIn(journal.labDir), { force: true })
    const host = await readHostJournal()
    if (!host || path.resolve(host.labDir) === path.resolve(journal.labDir)) await rm(HOST_JOURNAL, { force: true })
  }
  return problems
}
