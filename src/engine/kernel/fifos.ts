// The FIFOs each line writes its output to. Bash opens a pair before a line and closes it after, so
// the pair reaches EOF once nothing else holds it: a job the line left behind keeps its pair (its late
// output never reaches another line), and a pair at EOF is used again. FIFOs are made in batches so no
// line forks for its framing.
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { Socket } from 'node:net'
import { join } from 'node:path'
import { mkfifo } from '../../platform/shell.js'
import { Tap } from './demux.js'

const BATCH = 8

/** One line's stdout and stderr FIFOs, opened for reading. */
export interface Pair {
  index: number
  out: Tap
  err: Tap
  fds: [number, number]
  sockets: Socket[]
}

export class FifoPool {
  private made = 0
  private readonly free: number[] = []
  private readonly open = new Set<Pair>()
  private making: Promise<void> | undefined

  constructor(private readonly dir: string) {}

  /**
   * A pair for the next line, its read ends open but not yet read: a FIFO read before bash opens it
   * would end at once. `listen` starts reading once bash has it open.
   */
  async take(mark: Buffer, onPart: (pair: Pair, stream: 'out' | 'err', id: number, part: Buffer) => void): Promise<Pair> {
    while (this.free.length === 0) await this.prepare()
    const index = this.free.shift() as number
    const fds = ['o', 'e'].map((s) => openSync(join(this.dir, `${s}${index}`), constants.O_RDONLY | constants.O_NONBLOCK)) as [number, number]
    const pair: Pair = {
      index,
      out: new Tap(mark, (id, part) => onPart(pair, 'out', id, part)),
      err: new Tap(mark, (id, part) => onPart(pair, 'err', id, part)),
      fds,
      sockets: [],
    }
    this.open.add(pair)
    return pair
  }

  /**
   * Makes a batch of pairs unless some are free (once at a time): the kernel starts it beside bash, so the first line
   * does not wait for mkfifo. `extra` FIFOs are made in the same process.
   */
  prepare(extra: readonly string[] = []): Promise<void> {
    if (this.free.length > 0) return Promise.resolve()
    this.making ??= (async () => {
      const indexes = Array.from({ length: BATCH }, (_, i) => this.made + i)
      await mkfifo([...indexes.flatMap((i) => [join(this.dir, `o${i}`), join(this.dir, `e${i}`)]), ...extra])
      this.made += BATCH
      this.free.push(...indexes)
    })().finally(() => (this.making = undefined))
    return this.making
  }

  /** Starts reading the pair (bash has opened it); at EOF on both, no one holds it and it is free again. */
  listen(pair: Pair): void {
    if (pair.sockets.length > 0) return
    let ended = 0
    pair.sockets = pair.fds.map((fd, i) => {
      const tap = i === 0 ? pair.out : pair.err
      const socket = new Socket({ fd, readable: true, writable: false }).unref()
      socket.on('data', (d: Buffer) => tap.feed(d))
      socket.on('error', () => undefined)
      socket.on('close', () => {
        if (++ended < 2 || !this.open.delete(pair)) return
        this.free.push(pair.index)
      })
      return socket
    })
  }

  /** Reads what is in the pair now, without waiting for its events. */
  drain(pair: Pair): void {
    // Not once its socket has ended: the socket closes the descriptor, and its number may be reused.
    pair.fds.forEach((fd, i) => {
      const socket = pair.sockets[i]
      if (socket === undefined || !(socket.destroyed || socket.readableEnded)) drain(fd, i === 0 ? pair.out : pair.err)
    })
  }

  /** A pair bash never opened (the shell died first): close it, it is free. */
  release(pair: Pair): void {
    if (pair.sockets.length > 0 || !this.open.delete(pair)) return
    for (const fd of pair.fds) closeSync(fd)
    this.free.push(pair.index)
  }

  /** Closes every pair, once no batch is still being made (mkfifo writing into the folder would keep its removal from ending). */
  async close(): Promise<void> {
    await this.making?.catch(() => undefined)
    for (const pair of this.open) {
      if (pair.sockets.length > 0) for (const s of pair.sockets) s.destroy()
      else for (const fd of pair.fds) closeSync(fd)
    }
    this.open.clear()
  }
}

const drained = Buffer.alloc(65_536)

function drain(fd: number, tap: Tap): void {
  for (;;) {
    let n = 0
    try {
      n = readSync(fd, drained)
    } catch {
      return // EAGAIN: nothing more there now (or the socket has closed it)
    }
    if (n <= 0) return
    tap.feed(Buffer.from(drained.subarray(0, n)))
  }
}
