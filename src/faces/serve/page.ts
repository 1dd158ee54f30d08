// The pages, rendered on the server: the walkthrough's prose and a cell per step (the notebook), or
// the board's frame. What changes comes over the event stream and is drawn by the page's own script
// (src/faces/serve/assets), over one event stream per browser that a shared worker holds for every tab
// (assets/events.js). The token came in the first URL and lives on as the server's HttpOnly cookie, so
// no link or asset URL carries it; nothing is loaded from anywhere else.
import { escapeHtml } from '../report/html.js'
import type { Walkthrough } from '../../core/walkthrough.js'
import type { WireState } from './notebook.js'
import { sectionHtml, type ProseHtml } from './prose.js'

export const ASSETS = ['kubewalk.css', 'notebook.js', 'board.js', 'events.js'] as const

const head = (title: string, script: string): string =>
  [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(title)}</title>`,
    `<link rel="icon" href="data:,">`,
    '<link rel="stylesheet" href="/assets/kubewalk.css">',
    `<script src="/assets/${script}" defer></script>`,
    '</head>',
  ].join('\n')

const toolbar = (links: string): string =>
  `<span class="tools">${links}<button type="button" id="theme" title="light or dark (t)">◐ Theme</button></span>`

/**
 * The notebook: the prose of each step, its line, its buttons, and empty places the script fills. `prose` is the
 * prose already rendered (proseHtml); a step missing from it is rendered here.
 */
export function notebookPage(w: Walkthrough, state: WireState, prose: ProseHtml = new Map()): string {
  const sections = new Map((w.prose?.() ?? []).map((s) => [s.id, s]))
  const cells = state.cells.map((c) => {
    const markdown = sections.get(c.id)?.explanation
    const html = prose.get(c.id) ?? (markdown ? sectionHtml(markdown) : undefined)
    return `<section class="cell" id="cell-${c.id}" data-step="${c.id}" data-status="idle" tabindex="0" aria-labelledby="h-${c.id}">
<h2 id="h-${c.id}"><span class="num">${c.number}.</span> ${escapeHtml(sections.get(c.id)?.title ?? c.title)} <code class="id">${c.id}</code> <span class="badge" aria-live="polite"></span></h2>
${html ? `<div class="prose">${html}</div>` : ''}
${c.container !== undefined ? `<p class="where">typed in the shell of <code>${escapeHtml(c.container)}</code>: it runs there, not on the host</p>` : ''}
<div class="line"><pre${state.editable ? ' hidden' : ''}><code>${escapeHtml(c.command)}</code></pre>${
      state.editable
        ? `<textarea class="edit" spellcheck="false" autocomplete="off" rows="${c.command.split('\n').length}" aria-label="the line of ${c.id}, editable">${escapeHtml(c.command)}</textarea>`
        : ''
    }<button type="button" class="copy" title="copy the line">Copy</button></div>
${state.editable ? '<p class="edited" hidden>edited: differs from the walkthrough <button type="button" class="original" title="put the walkthrough\'s line back">Original</button></p>' : ''}
${c.cleanup ? `<p class="will cleanup">Reset removes what it creates (${escapeHtml(c.cleanup.describe.replace(/^delete /, ''))}) with <code>${escapeHtml(c.cleanup.command)}</code></p>` : ''}
${c.verify !== undefined ? `<p class="will verify">Check my work runs <code>${escapeHtml(c.verify)}</code></p>` : ''}
<div class="actions"><button type="button" class="run" title="run this step (Enter)">▶ Run</button><button type="button" class="stop" title="stop this line (SIGINT); the session stays" hidden>■ Stop</button><button type="button" class="upto">Run up to here</button>${c.checkReads ? '<button type="button" class="check" title="check what you did in your own shell">Check my work</button>' : ''}<button type="button" class="clear" title="empty this cell's output on this page (what the step set and created stays)">Clear</button><button type="button" class="reset">Reset</button></div>
<p class="notice" role="status"></p>
<p class="elapsed" aria-live="off" hidden></p>
<pre class="output" hidden></pre>
<div class="result"></div>
<div class="checked"></div>
</section>`
  })
  const links = `<a href="/transcript.md" download>Transcript .md</a><a href="/transcript.html" download>.html</a><button type="button" id="reset-all">Reset</button>`
  return `${head(`kubewalk · ${w.title}`, 'notebook.js')}
<body class="notebook">
<header class="bar"><span class="brand">kubewalk</span><span id="target" class="target"></span><span id="busy" class="busy" aria-live="polite"></span>${toolbar(links)}</header>
<div class="layout">
<main id="cells">
<h1>${escapeHtml(w.title)}</h1>
<p class="help">j / k move between steps, Enter runs the one you are on. Steps run in order and one at a time; Reset removes what this page's runs created${state.cluster.namespace ? '' : ''}.</p>
<p id="page-notice" class="notice" role="status"></p>
${cells.join('\n')}
</main>
<aside id="side">
<h2>Variables</h2>
<p class="help">${state.showSecrets ? 'Values are shown: the server was started with --show-secrets.' : 'Secret values are masked (start the server with --show-secrets to see them).'} For <em>Check my work</em>, paste the values your own shell holds.</p>
<div id="vars"></div>
<h2>Cleanup</h2>
<p class="help">What Reset (or Ctrl-C on the server) will delete: what this session created.</p>
<ul id="cleanup"><li class="none">nothing to delete</li></ul>
</aside>
</div>
</body>
</html>
`
}

/** The instructor's board: a frame the script fills from the event stream. */
export function boardPage(w: Walkthrough): string {
  return `${head(`kubewalk class · ${w.title}`, 'board.js')}
<body class="board">
<header class="bar"><span class="brand">kubewalk class</span><span class="target">${escapeHtml(w.title)}</span><span id="at" class="busy"></span>${toolbar('<button type="button" id="large" title="large type for a projector (l)">A+ Large</button>')}</header>
<main>
<table id="board"><thead></thead><tbody></tbody><tfoot></tfoot></table>
<p id="legend" class="help"></p>
</main>
</body>
</html>
`
}
