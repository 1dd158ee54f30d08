// kubewalk serve: the notebook page's script. It draws what the server sends over the event stream
// (one per browser, shared by its tabs) and posts step ids (command lines only when the server runs
// with --editable). The token came in
// the URL once and is now the server's cookie: it leaves the address bar (and the history). No
// framework, no outside request.
'use strict'
;(() => {
  if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname)
  const url = (path) => path
  const $ = (sel, root = document) => root.querySelector(sel)
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)]
  const el = (tag, props = {}, ...children) => {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v
      else if (k === 'text') e.textContent = v
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
      else e.setAttribute(k, v)
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c)
    return e
  }
  let state = null
  const cellOf = (id) => document.getElementById(`cell-${id}`)

  // Theme: the system's, unless chosen here (kept in this browser).
  const theme = localStorage.getItem('kubewalk-theme')
  if (theme) document.documentElement.dataset.theme = theme
  const toggleTheme = () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches
    document.documentElement.dataset.theme = dark ? 'light' : 'dark'
    localStorage.setItem('kubewalk-theme', document.documentElement.dataset.theme)
  }

  async function post(path, body, noticeEl) {
    if (noticeEl) noticeEl.textContent = ''
    let r
    try {
      r = await fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    } catch (e) {
      if (noticeEl) noticeEl.textContent = `the server did not answer (${e.message}); is kubewalk serve still running?`
      return undefined
    }
    const answer = await r.json().catch(() => ({}))
    const why = r.ok ? answer.refused : answer.error || `${r.status} ${r.statusText}`
    if (why && noticeEl) noticeEl.textContent = why
    return why ? undefined : answer
  }

  const BADGE = { idle: '', queued: '… queued', running: '⟳ running', passed: '✓ passed', failed: '✗ failed', skipped: '⏭ skipped' }

  function assertionsList(assertions) {
    return el(
      'ul',
      { class: 'assertions' },
      ...assertions.map((a) => {
        const detail =
          'expected' in a || 'actual' in a
            ? ` (${'expected' in a ? `expected ${JSON.stringify(a.expected)}, ` : ''}got ${JSON.stringify(a.actual)})`
            : ''
        return el(
          'li',
          { class: `assertion ${a.ok ? 'ok' : 'bad'}` },
          el('span', { class: 'mark', text: a.ok ? '✓' : '✗' }),
          ` ${a.name}`,
          a.ok ? '' : el('span', { class: 'detail', text: detail }),
        )
      }),
    )
  }

  function resultView(r, label) {
    const box = el('div', { class: `outcome ${r.status}` })
    const when = `${r.status} in ${(r.durationMs / 1000).toFixed(1)} s${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}`
    box.append(el('p', { class: 'summary', text: `${label}${when}` }))
    if (r.stdout.trim() !== '' || r.stderr.trim() !== '') {
      const out = el('pre', { class: 'output' })
      if (r.stdout.trim() !== '') out.append(el('span', { class: 'stdout', text: r.stdout }))
      if (r.stderr.trim() !== '') out.append(el('span', { class: 'stderr', text: r.stderr }))
      box.append(out)
    }
    if (r.stopped)
      box.append(
        el('p', { class: 'stopped', text: `stopped (exit ${r.exitCode === null ? 'signal' : r.exitCode}); the session and its variables stay` }),
      )
    if (r.captured)
      box.append(el('p', { class: 'captured' }, 'sets ', el('code', { text: `$${r.captured.name}` }), ' = ', el('code', { text: r.captured.value })))
    if (r.assertions.length > 0) box.append(assertionsList(r.assertions))
    if (r.error) box.append(el('p', { class: 'error', text: r.error.message }))
    if (r.hint) box.append(el('p', { class: 'hint', text: `hint: ${r.hint}` }))
    if (r.drift && (r.drift.items.length > 0 || r.drift.expected > 0)) {
      const d = el(
        'details',
        { class: 'drift' },
        el('summary', {
          text: `drift from the recording: ${r.drift.items.length} to look at, ${r.drift.expected} expected (tokens, times, ids, addresses)`,
        }),
      )
      for (const i of r.drift.items) {
        d.append(
          el(
            'div',
            { class: `diff ${i.kind}` },
            el('code', { text: i.path }),
            ` ${i.kind === 'real' ? 'real' : 'newer version'}: ${i.note}`,
            el(
              'pre',
              {},
              el('span', { class: 'del', text: `- ${JSON.stringify(i.article)}\n` }),
              el('span', { class: 'add', text: `+ ${JSON.stringify(i.live)}` }),
            ),
          ),
        )
      }
      box.append(d)
    }
    return box
  }

  // Clear empties a cell's output on this page only, until the cell runs again (its run count changes).
  const cleared = new Map()
  const isCleared = (c) => cleared.get(c.id) === `${c.runs}:${c.check ? c.check.status : ''}` && c.status !== 'running'

  function drawCell(c) {
    const node = cellOf(c.id)
    if (!node) return
    node.dataset.status = c.status
    node.dataset.runs = String(c.runs)
    const line = $('.line code', node)
    if (line.textContent !== c.command) line.textContent = c.command
    const edit = $('.line textarea.edit', node)
    // What the participant typed stays; a cell never edited follows the walkthrough's line (it changes once the session opens).
    if (edit && edit.dataset.touched !== 'yes' && edit.value !== c.command) edit.value = c.command
    if (edit) drawEdited(node, c)
    $('.actions .stop', node).hidden = c.status !== 'running'
    const verify = $('.will.verify code', node)
    if (verify && c.verify !== undefined && verify.textContent !== c.verify) verify.textContent = c.verify
    $('.badge', node).textContent = BADGE[c.status] || ''
    const out = $(':scope > .output', node)
    const running = c.status === 'running'
    out.hidden = !running
    out.textContent = running ? (c.held ? '(output shown when the step ends: it prints secret data)\n' : c.stream) : ''
    drawElapsed(node, c)
    const res = $('.result', node)
    res.replaceChildren()
    const checked = $('.checked', node)
    checked.replaceChildren()
    node.dataset.cleared = isCleared(c) ? 'yes' : ''
    if (isCleared(c)) return drawBusy()
    if (running && c.attempt)
      res.append(
        el('p', {
          class: 'attempt',
          text: `attempt ${c.attempt.attempt}, waiting for ${c.attempt.waitingFor} (${(c.attempt.elapsedMs / 1000).toFixed(1)} s)`,
        }),
      )
    if (c.result) res.append(resultView(c.result, ''))
    if (c.check) {
      node.dataset.check = c.check.status
      if (c.check.status === 'running') checked.append(el('p', { class: 'attempt', text: 'checking your work…' }))
      if (c.check.result) checked.append(resultView(c.check.result, 'your work: '))
    }
    drawBusy()
  }

  // An edited cell says so, with the walkthrough's line one click away.
  function drawEdited(node, c) {
    const edit = $('.line textarea.edit', node)
    const differs = edit.value !== c.command
    node.dataset.edited = differs ? 'yes' : ''
    $('.edited', node).hidden = !differs
  }

  // A running cell says how long it has run, from when the server started it.
  function drawElapsed(node, c) {
    const p = $(':scope > .elapsed', node)
    if (c.status !== 'running' || !c.startedAt) {
      p.hidden = true
      p.textContent = ''
      return
    }
    p.hidden = false
    p.textContent = `running for ${(Math.max(0, Date.now() - c.startedAt) / 1000).toFixed(1)} s`
  }
  setInterval(() => {
    if (!state) return
    for (const c of state.cells) if (c.status === 'running') drawElapsed(cellOf(c.id), c)
  }, 200)

  function drawBusy() {
    const busy = state && state.busy
    $('#busy').textContent =
      state && state.opening
        ? 'opening the session…'
        : busy
          ? busy.kind === 'reset'
            ? 'resetting…'
            : `${busy.kind === 'check' ? 'checking' : 'running'} ${busy.step || ''}…`
          : ''
    document.body.dataset.busy = busy ? busy.kind : ''
  }

  function drawVars() {
    const box = $('#vars')
    box.replaceChildren()
    for (const v of state.vars) {
      const input = el('input', {
        type: v.secret ? 'password' : 'text',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: `your $${v.name}`,
        'aria-label': `your value of ${v.name}`,
      })
      const form = el(
        'form',
        {
          class: 'paste',
          onsubmit: (e) => {
            e.preventDefault()
            void post('/api/vars', { name: v.name, value: input.value }, $('#page-notice')).then(() => {
              input.value = ''
            })
          },
        },
        input,
        el('button', { type: 'submit', text: 'Set' }),
      )
      box.append(
        el(
          'div',
          { class: 'var', 'data-var': v.name },
          el('div', { class: 'name' }, el('code', { text: `$${v.name}` }), v.secret ? el('span', { class: 'tag', text: 'secret' }) : null),
          el('div', { class: 'value', title: v.describe, text: v.value === undefined ? 'not set' : v.value }),
          el('div', { class: 'pasted', text: v.pasted === undefined ? '' : `yours: ${v.pasted}` }),
          form,
        ),
      )
    }
  }

  // What Reset will delete, newest first (the order it deletes in); a removal that failed stays listed, with why.
  function drawCleanup() {
    const list = $('#cleanup')
    const pending = [...(state.pending || [])].reverse()
    list.replaceChildren(
      ...(pending.length === 0
        ? [el('li', { class: 'none', text: 'nothing to delete' })]
        : pending.map((p) => {
            const failed = state.cleanup.find((c) => c.describe === p.describe && c.status === 'failed')
            return el(
              'li',
              { class: failed ? 'failed' : 'pending' },
              p.describe,
              ' ',
              el('code', { text: p.command }),
              failed && failed.error ? el('span', { class: 'detail', text: ` (last try: ${failed.error})` }) : null,
            )
          })),
    )
  }

  function drawMeta() {
    $('#target').textContent =
      state.cluster.name === ''
        ? ''
        : `${state.cluster.name} · ${state.cluster.server}${state.cluster.version ? ` · Kubernetes ${state.cluster.version}` : ''} · namespace ${state.cluster.namespace}`
    $('#page-notice').textContent = state.notice || ''
    drawVars()
    drawCleanup()
    drawBusy()
  }

  function onEvent(e) {
    if (e.type === 'state') {
      state = e.state
      for (const c of state.cells) drawCell(c)
      drawMeta()
      document.body.dataset.ready = 'yes'
    } else if (!state) {
      return
    } else if (e.type === 'cell') {
      const i = state.cells.findIndex((c) => c.id === e.cell.id)
      if (i >= 0) state.cells[i] = e.cell
      drawCell(e.cell)
    } else if (e.type === 'output') {
      const c = state.cells.find((x) => x.id === e.id)
      if (c) c.stream += e.text
      const out = $(':scope > .output', cellOf(e.id))
      if (out) {
        out.hidden = false
        out.textContent += e.text
      }
    } else if (e.type === 'meta') {
      state.busy = e.busy
      state.vars = e.vars
      state.cleanup = e.cleanup
      state.pending = e.pending
      state.notice = e.notice
      state.cluster.namespace = e.namespace
      state.opening = e.opening
      drawMeta()
    }
  }

  // One stream for every tab of this server (a shared worker holds it); a browser without shared workers opens its own.
  const lost = () => {
    $('#busy').textContent = 'reconnecting…'
  }
  if (typeof SharedWorker === 'function') {
    const worker = new SharedWorker('/assets/events.js', { name: 'kubewalk-events' })
    worker.port.onmessage = (m) => (m.data.kind === 'event' ? onEvent(m.data.event) : lost())
    worker.port.start()
    addEventListener('pagehide', () => worker.port.postMessage('bye'))
    addEventListener('pageshow', (e) => {
      if (e.persisted) location.reload()
    })
  } else {
    const events = new EventSource(url('/events'))
    events.onmessage = (m) => onEvent(JSON.parse(m.data))
    events.onerror = lost
  }

  const cellState = (id) => state && state.cells.find((c) => c.id === id)
  const run = (node, upTo) => {
    const c = cellState(node.dataset.step)
    const edit = $('.line textarea.edit', node)
    const command = !upTo && edit && c && edit.value !== c.command ? edit.value : undefined
    void post('/api/run', { step: node.dataset.step, upTo, seen: c ? c.runs : 0, ...(command !== undefined ? { command } : {}) }, $('.notice', node))
  }
  document.addEventListener('input', (e) => {
    const t = e.target
    if (!(t instanceof HTMLTextAreaElement) || !t.classList.contains('edit')) return
    t.dataset.touched = 'yes'
    const node = t.closest('.cell')
    const c = cellState(node.dataset.step)
    if (c) drawEdited(node, c)
  })
  const reset = (noticeEl) => void post('/api/reset', {}, noticeEl)

  document.addEventListener('click', (e) => {
    const button = e.target.closest('button')
    if (!button) return
    const node = button.closest('.cell')
    if (button.id === 'theme') return toggleTheme()
    if (button.id === 'reset-all') return reset($('#page-notice'))
    if (!node) return
    if (button.classList.contains('run')) run(node, false)
    else if (button.classList.contains('stop')) void post('/api/stop', { step: node.dataset.step }, $('.notice', node))
    else if (button.classList.contains('original')) {
      const c = cellState(node.dataset.step)
      const edit = $('.line textarea.edit', node)
      if (!c || !edit) return
      edit.value = c.command
      delete edit.dataset.touched
      drawEdited(node, c)
    } else if (button.classList.contains('upto')) run(node, true)
    else if (button.classList.contains('check')) void post('/api/check', { step: node.dataset.step }, $('.notice', node))
    else if (button.classList.contains('reset')) reset($('.notice', node))
    else if (button.classList.contains('clear')) {
      const c = cellState(node.dataset.step)
      if (!c) return
      cleared.set(c.id, `${c.runs}:${c.check ? c.check.status : ''}`)
      $('.notice', node).textContent = ''
      drawCell(c)
    } else if (button.classList.contains('copy')) {
      const edit = $('.line textarea.edit', node)
      void navigator.clipboard.writeText(edit ? edit.value : $('.line code', node).textContent).then(
        () => {
          button.textContent = 'Copied'
        },
        () => {
          button.textContent = 'Select and copy'
        },
      )
      setTimeout(() => {
        button.textContent = 'Copy'
      }, 1500)
    }
  })

  // j / k move between cells, Enter runs the one that has the focus (not while typing or on a button).
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return
    const t = e.target
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) return
    const cells = $$('.cell')
    const at = cells.indexOf(t.closest ? t.closest('.cell') : null)
    if (e.key === 'j' || e.key === 'k') {
      const next = cells[Math.max(0, Math.min(cells.length - 1, at < 0 ? 0 : at + (e.key === 'j' ? 1 : -1)))]
      next.focus()
      next.scrollIntoView({ block: 'nearest' })
      e.preventDefault()
    } else if (e.key === 'Enter' && t.classList && t.classList.contains('cell')) {
      run(t, false)
      e.preventDefault()
    } else if (e.key === 't') toggleTheme()
  })
})()
