// The page first: the notebook's session (kubeconfig, the run's shell, the preflight) opens once the first page
// has been served, or shortly after the server listens when no page is asked for, so neither waits behind the
// other on Node's one thread. A server that never listened opens no session.

/** The session's opening, held until the page has gone out. */
export interface PageFirst<T> {
  /** Opens the session when the gate opens; rejects when the server did not start. */
  open(): Promise<T>
  /** The server listens: the session opens after `afterMs` even if no page is asked for. */
  listening(): void
  /** A page went out: the session opens now. */
  served(): void
  /** The server is closing (or never listened): a session not yet begun never is. */
  closing(): void
}

export function pageFirst<T>(open: () => Promise<T>, afterMs: number): PageFirst<T> {
  let go: (start: boolean) => void = () => undefined
  const gate = new Promise<boolean>((resolve) => (go = resolve))
  return {
    open: async () => {
      if (!(await gate)) throw new Error('the notebook did not start, so no session was opened.')
      return open()
    },
    listening: () => void setTimeout(() => go(true), afterMs).unref(),
    served: () => setImmediate(() => go(true)),
    closing: () => go(false),
  }
}
