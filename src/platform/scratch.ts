// Private working directories that may hold secrets (the runner's captures hold secret variables in plain
// text). Each is 0700, named with a prefix kubewalk recognises, and holds the pid of the process
// that owns it: removed when the run ends, when the process exits any other way (a third Ctrl-C is
// process.exit), and, after a SIGKILL, by the next kubewalk that finds its owner dead.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The start of every scratch directory's name in the temporary directory. */
export const SCRATCH_PREFIX = 'kubewalk-scratch-'
/** The file in a scratch directory that holds its owner's pid. */
export const PID_FILE = 'owner.pid'

const live = new Set<string>()
let hooked = false

function removeAllNow(): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // nothing more can be done while exiting
    }
  }
  live.clear()
}

/** Creates a 0700 scratch directory owned by this process; remove it with removeScratchDir. */
export async function makeScratchDir(parent: string = tmpdir()): Promise<string> {
  // Synchronous, as the sweep's scan: a run starts with these, and each awaited call would queue behind the thread
  // pool's module reads (microseconds each done here).
  const dir = mkdtempSync(join(parent, SCRATCH_PREFIX))
  // mkdtemp makes it 0700 already; said again so that no umask or platform can widen it.
  chmodSync(dir, 0o700)
  live.add(dir)
  if (!hooked) {
    hooked = true
    // 'exit' runs on process.exit (the third Ctrl-C) and on a normal end; only synchronous work runs there.
    process.on('exit', removeAllNow)
  }
  writeFileSync(join(dir, PID_FILE), `${process.pid}\n`, { mode: 0o600 })
  return dir
}

/** Removes a scratch directory made by makeScratchDir. */
export async function removeScratchDir(dir: string): Promise<void> {
  live.delete(dir)
  await rm(dir, { recursive: true, force: true })
}

/** Whether process `pid` exists (EPERM: it does, someone else's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists, someone else's.
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes scratch directories left by kubewalk processes that died without cleaning up (SIGKILL):
 * only this user's, only those with a pid file whose process is gone. Resolves with what it removed.
 */
export async function sweepStaleScratchDirs(parent: string = tmpdir()): Promise<string[]> {
  const removed: string[] = []
  const uid = process.getuid?.()
  let names: string[] = []
  try {
    names = readdirSync(parent)
  } catch {
    // no temporary folder to sweep
  }
  for (const name of names) {
    if (!name.startsWith(SCRATCH_PREFIX)) continue
    const dir = join(parent, name)
    try {
      const st = statSync(dir)
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue
      const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim())
      // No pid file yet (being created) or not a number: not ours to judge.
      if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || pidAlive(pid)) continue
      await rm(dir, { recursive: true, force: true })
      removed.push(dir)
    } catch {
      // gone meanwhile, or unreadable: leave it
    }
  }
  return removed
}
