// The transcript as one self-contained HTML page: the Markdown transcript rendered by marked, with a
// little CSS and no scripts or outside resources, so it opens the same offline or as a CI artifact.
import { Marked } from 'marked'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }
const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c)

// The only raw HTML the transcript means is its own folding of kubectl's -v=8 log.
const OWN_HTML = /^(<details><summary>[^<>]*<\/summary>|<\/details>)$/

// Anything else that looks like markup came from the cluster (an error message, a name): it is shown
// as text, images never load, and only http(s) links stay links.
const renderer = {
  html: ({ text, block }: { text: string; block?: boolean }) =>
    OWN_HTML.test(text.trim()) ? text : block ? `<p>${escapeHtml(text)}</p>\n` : escapeHtml(text),
  image: ({ raw }: { raw: string }) => escapeHtml(raw),
  link: ({ href, raw }: { href: string; raw: string }) => (/^https?:\/\//i.test(href) ? false : escapeHtml(raw)),
}
const marked = new Marked({ gfm: true, renderer })

/** What the HTML depends on besides the Markdown and marked's version: the rules above, as source (a cache's key). */
export const RENDERING_RULES = [OWN_HTML.source, ...Object.values(renderer).map(String)].join('\n')

/** Markdown as HTML with the same rules (markup from elsewhere shown as text, no images, only http(s) links). */
export const markdownHtml = (markdown: string): string => marked.parse(markdown, { async: false })

/** Text for HTML: markup shown, never applied. */
export { escapeHtml }

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
pre { background: #f6f8fa; padding: .8em; overflow-x: auto; border-radius: 6px; }
code { font: 13px/1.4 ui-monospace, monospace; }
table { border-collapse: collapse; } th, td { border: 1px solid #d1d9e0; padding: .3em .6em; text-align: left; }
blockquote { margin: 0; padding: 0 1em; border-left: .25em solid #d1d9e0; color: #59636e; }
`.trim()

/** Renders the Markdown transcript as a standalone HTML document. */
export function transcriptHtml(markdown: string): string {
  const title = /^# (.*)$/m.exec(markdown)?.[1] ?? 'kubewalk transcript'
  const body = marked.parse(markdown, { async: false })
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    '</head>',
    '<body>',
    body.trimEnd(),
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
