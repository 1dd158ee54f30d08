// The kernel's process groups: signalled whole, and waited for until no live member is left.
import { readdir, readFile } from 'node:fs/promises'

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
  const deadline = performance.now() + ms
  for (;;) {
    for (const g of groups) if (!(await groupAlive(g))) groups.delete(g)
    if (groups.size === 0 || performance.now() > deadline) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function groupAlive(group: number): Promise<boolean> {
  try {
    process.kill(-group, 0)
  } catch {
    return false
  }
  // Members that are only zombies (reparented, not yet reaped) do not count.
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue
    const s = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ')
    if (fields[2] === String(group) && fields[0] !== 'Z') return true
  }
  return process.platform !== 'linux'
}
