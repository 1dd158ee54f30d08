// The kernel's process groups: signalled whole, and waited for until no live member is left.
import { readdirSync, readFileSync } from 'node:fs'

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return
  try {
    process.kill(-pid, signal)
  } catch {
    // the group is gone already
  }
}

/** Waits until no live (non-zombie) process is left in these groups, or the time is up. */
export async function waitGroups(groups: Set<number>, ms: number): Promise<void> {
  const begin = performance.now()
  const deadline = begin + ms
  for (;;) {
    // A group that has just ended often still holds a zombie for a moment (PID 1 may reap late): kill(0)
    // alone for the first few ms, then the /proc scan that tells zombies from live members.
    const quick = performance.now() - begin < 6
    for (const g of groups) if (!(quick ? groupExists(g) : groupAlive(g))) groups.delete(g)
    if (groups.size === 0 || performance.now() > deadline) return
    await new Promise((r) => setTimeout(r, quick ? 2 : 20))
  }
}

function groupExists(group: number): boolean {
  try {
    process.kill(-group, 0)
    return true
  } catch {
    return false
  }
}

function groupAlive(group: number): boolean {
  if (!groupExists(group)) return false
  // Members that are only zombies (reparented, not yet reaped) do not count. Read synchronously: /proc answers from
  // memory, and a few hundred awaited reads took 40-100 ms on a loaded machine where these take a few.
  let entries: string[] = []
  try {
    entries = readdirSync('/proc')
  } catch {
    // no /proc: not Linux
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    let s = ''
    try {
      s = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // gone meanwhile
    }
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ')
    if (fields[2] === String(group) && fields[0] !== 'Z') return true
  }
  return process.platform !== 'linux'
}
