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
  const begin = performance.now()
  const deadline = begin + ms
  for (;;) {
    // A group that has just ended often still holds a zombie for a moment: kill(0) alone, in the first
    // 30 ms, spares the /proc scan (every process's stat file, 10-40 ms of CPU) that tells them apart.
    const quick = performance.now() - begin < 30
    for (const g of groups) if (!(quick ? groupExists(g) : await groupAlive(g))) groups.delete(g)
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

async function groupAlive(group: number): Promise<boolean> {
  if (!groupExists(group)) return false
  // Members that are only zombies (reparented, not yet reaped) do not count.
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue
    const s = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ')
    if (fields[2] === String(group) && fields[0] !== 'Z') return true
  }
  return process.platform !== 'linux'
}
