// kubewalk class --serve: the board page's script. Read-only: it draws the board the server sends,
// over one stream per browser that its tabs share. The token is the server's cookie now: it leaves the address bar.
'use strict'
;(() => {
  const large = new URLSearchParams(location.search).get('large') === '1'
  if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', `${location.pathname}${large ? '?large=1' : ''}`)
  const el = (tag, props = {}, ...children) => {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v
      else if (k === 'text') e.textContent = v
      else e.setAttribute(k, v)
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c)
    return e
  }
  const theme = localStorage.getItem('kubewalk-theme')
  if (theme) document.documentElement.dataset.theme = theme
  if (large || localStorage.getItem('kubewalk-large') === '1') document.body.classList.add('large')
  const toggleTheme = () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches
    document.documentElement.dataset.theme = dark ? 'light' : 'dark'
    localStorage.setItem('kubewalk-theme', document.documentElement.dataset.theme)
  }
  const toggleLarge = () => localStorage.setItem('kubewalk-large', document.body.classList.toggle('large') ? '1' : '0')
  document.getElementById('theme').addEventListener('click', toggleTheme)
  document.getElementById('large').addEventListener('click', toggleLarge)
  document.addEventListener('keydown', (e) => {
    if (e.key === 't') toggleTheme()
    if (e.key === 'l') toggleLarge()
  })
  const SOURCE = { trace: 'seen on the cluster', report: 'reported by the participant (--report-progress)', both: 'seen on the cluster, or reported' }
  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '')

  function draw(b) {
    const table = document.getElementById('board')
    const head = el(
      'tr',
      {},
      el('th', { scope: 'col', text: 'participant' }),
      ...b.columns.map((c) =>
        el(
          'th',
          { scope: 'col', class: `col ${c.source}`, title: `${c.number} ${c.id}: ${c.title} — ${SOURCE[c.source]}` },
          el('span', { class: 'n', text: c.number }),
          el('span', { class: 'src', text: c.source === 'trace' ? 'cluster' : c.source === 'report' ? 'reported' : 'both' }),
        ),
      ),
      el('th', { scope: 'col', text: 'last change' }),
    )
    table.tHead.replaceChildren(head)
    table.tBodies[0].replaceChildren(
      ...b.rows.map((r) =>
        el(
          'tr',
          { 'data-namespace': r.namespace, 'data-done': String(b.columns.filter((c) => r.cells[c.id]).length) },
          el('th', { scope: 'row', text: r.namespace }, r.error ? el('span', { class: 'error', text: ` (${r.error})` }) : null),
          ...b.columns.map((c) => {
            const s = r.cells[c.id]
            return el('td', {
              class: s ? `done ${s}` : 'todo',
              title: s ? (s === 'trace' ? 'seen on the cluster' : 'reported') : 'not yet',
              text: s ? '✓' : '·',
            })
          }),
          el('td', { class: 'at', text: time(r.lastChange) }),
        ),
      ),
    )
    table.tFoot.replaceChildren(
      el(
        'tr',
        {},
        el('th', { scope: 'row', text: `${b.rows.length} participant(s)` }),
        ...b.columns.map((c) => el('td', { class: 'count', text: String(b.counts[c.id] || 0) })),
        el('td', {}),
      ),
    )
    document.getElementById('legend').textContent =
      `Columns marked “cluster” come from what the step leaves on the cluster; “reported” from what participants' kubewalk check, run or serve recorded with --report-progress; “both” from either. ${b.noColumn.length > 0 ? `Not on the board yet (no trace, nothing reported): ${b.noColumn.join(', ')}.` : ''}`
    document.getElementById('at').textContent = `read at ${time(b.at)}`
    document.body.dataset.ready = 'yes'
  }
  const lost = () => {
    document.getElementById('at').textContent = 'reconnecting…'
  }
  if (typeof SharedWorker === 'function') {
    const worker = new SharedWorker('/assets/events.js', { name: 'kubewalk-events' })
    worker.port.onmessage = (m) => (m.data.kind === 'event' ? draw(m.data.event) : lost())
    worker.port.start()
    addEventListener('pagehide', () => worker.port.postMessage('bye'))
    addEventListener('pageshow', (e) => {
      if (e.persisted) location.reload()
    })
  } else {
    const events = new EventSource('/events')
    events.onmessage = (m) => draw(JSON.parse(m.data))
    events.onerror = lost
  }
})()
