// The FIFOs each line writes its output to, made ahead in batches so that no line forks for its framing.
import { execFile } from 'node:child_process'
import { constants, openSync, readSync } from 'node:fs'
import { Socket } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Tap } from './demux.js'

const PAIRS_PER_BATCH = 4
const execFileP = promisify(execFile)

/** One line's pair of output FIFOs; a line that leaves a job behind keeps its pair, the next line gets a new one. */
export interface Pair {
  index: number
  out: Tap
  err: Tap
  sockets: Socket[]
  fds: number[]
}

/** Makes the next batch of pairs (one `mkfifo`) and starts reading them. */
export async function makePairs(
  dir: string,
  first: number,
  mark: Buffer,
  onPart: (pair: Pair, stream: 'out' | 'err', id: number, part: Buffer) => void,
): Promise<Pair[]> {
  const indexes = Array.from({ length: PAIRS_PER_BATCH }, (_, i) => first + i)
  await execFileP('mkfifo', ['-m', '600', ...indexes.flatMap((i) => [join(dir, `o${i}`), join(dir, `e${i}`)])])
  return indexes.map((index) => {
    // Read-write: opening does not wait for bash, and a writer that comes and goes never ends the stream.
    const fds = ['o', 'e'].map((s) => openSync(join(dir, `${s}${index}`), constants.O_RDWR | constants.O_NONBLOCK))
    const sockets = fds.map((fd) => new Socket({ fd, readable: true, writable: false }).unref())
    const pair: Pair = {
      index,
      out: new Tap(mark, (id, part) => onPart(pair, 'out', id, part)),
      err: new Tap(mark, (id, part) => onPart(pair, 'err', id, part)),
      sockets,
      fds,
    }
    sockets[0]?.on('data', (d: Buffer) => pair.out.feed(d))
    sockets[1]?.on('data', (d: Buffer) => pair.err.feed(d))
    return pair
  })
}

/** Reads what is in the pair's FIFOs now, without waiting for their events. */
export function drainPair(pair: Pair): void {
  drain(pair.fds[0] as number, pair.out)
  drain(pair.fds[1] as number, pair.err)
}

const drained = Buffer.alloc(65_536)

function drain(fd: number, tap: Tap): void {
  const buf = drained
  for (;;) {
    let n = 0
    try {
      n = readSync(fd, buf)
    } catch {
      return // EAGAIN: nothing more there now
    }
    if (n <= 0) return
    tap.feed(Buffer.from(buf.subarray(0, n)))
  }
}
