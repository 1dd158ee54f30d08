// kubewalk serve and class --serve: one event stream per browser, shared by every tab of this server.
// Browsers allow 6 HTTP/1.1 connections per host and an open stream holds one, so with a stream per
// tab the 7th tab never loads. This shared worker holds the one stream; each tab gets its events
// through a port, and a tab that joins later gets the state as it stands. A tab the browser freezes
// holds nothing: the others keep theirs.
'use strict'
const ports = new Set()
let source = null
// The last whole state: the notebook's kept current by its events; the board sends a whole view each time.
let last = null

function keep(e) {
  if (e.type === undefined || e.type === 'state') {
    last = e
    return
  }
  if (last === null || last.type !== 'state') return
  const s = last.state
  if (e.type === 'cell') {
    const i = s.cells.findIndex((c) => c.id === e.cell.id)
    if (i >= 0) s.cells[i] = e.cell
  } else if (e.type === 'output') {
    const c = s.cells.find((x) => x.id === e.id)
    if (c) c.stream += e.text
  } else if (e.type === 'meta') {
    Object.assign(s, { busy: e.busy, vars: e.vars, cleanup: e.cleanup, pending: e.pending, notice: e.notice, opening: e.opening })
    s.cluster.namespace = e.namespace
  }
}

function send(message) {
  for (const port of ports) port.postMessage(message)
}

function open() {
  if (source !== null) return
  source = new EventSource('/events')
  source.onmessage = (m) => {
    const e = JSON.parse(m.data)
    keep(e)
    send({ kind: 'event', event: e })
  }
  source.onerror = () => send({ kind: 'error' })
}

self.onconnect = (c) => {
  const port = c.ports[0]
  ports.add(port)
  port.onmessage = (m) => {
    // A tab that goes (closed, or away to another page) says so; the stream stays for the others.
    if (m.data === 'bye') ports.delete(port)
  }
  port.start()
  if (last !== null) port.postMessage({ kind: 'event', event: last })
  open()
}
