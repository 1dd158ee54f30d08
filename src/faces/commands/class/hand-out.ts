// class --serve --hand-out DIR: each participant fetches their kubeconfig once, with the one-time code
// class open wrote for them. The board's token does not open it and the board never shows a code; a
// code that served its file is struck from DIR's codes file, so a restart does not serve it again.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '../../../core/errors.js'
import { HttpError, type Route } from '../../serve/http.js'
import { CODES_FILE, codesText, normalizeCode, parseCodes } from './roster.js'

// Past this many wrong codes the hand-out stops answering: nobody types thirty wrong codes by mistake.
const MAX_WRONG = 30

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>kubewalk: your kubeconfig</title><script src="/hand-out.js" defer></script></head>
<body><main>
<h1>Your kubeconfig</h1>
<p>Type the code your instructor gave you. The file downloads once; keep it private (<code>chmod 600</code>), then run
<code>kubewalk run --kubeconfig FILE</code>.</p>
<form id="hand-out"><input id="code" name="code" autocomplete="off" spellcheck="false" placeholder="XXXX-XXXX-XXXX" required>
<button type="submit">Download</button></form>
<p id="said" role="status"></p>
</main></body></html>
`

// No inline script (the server's CSP): the form becomes a GET of /hand-out/CODE.
const SCRIPT = `document.getElementById('hand-out').addEventListener('submit', (e) => {
  e.preventDefault()
  const code = document.getElementById('code').value.trim()
  if (code !== '') location.href = '/hand-out/' + encodeURIComponent(code)
})
`

/** The routes that hand out DIR's kubeconfigs: a page, its script, and GET /hand-out/CODE (once per code). */
export async function handOutRoutes(dir: string): Promise<{ routes: Record<string, Route>; participants: number }> {
  const file = join(dir, CODES_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new UsageError(`--hand-out ${dir}: no ${CODES_FILE} there (class open --out DIR writes it).`)
  }
  const codes = parseCodes(text)
  let wrong = 0
  const hand: Route = async (req) => {
    if (wrong >= MAX_WRONG) throw new HttpError(429, 'too many wrong codes: the hand-out is closed; ask your instructor')
    const code = normalizeCode(decodeURIComponent(req.path.slice('/hand-out/'.length)))
    const name = code === undefined ? undefined : codes.get(code)
    if (code === undefined || name === undefined) {
      wrong++
      throw new HttpError(404, 'no such code, or it was used already; ask your instructor')
    }
    // Struck before anything is awaited: two requests with one code get one file.
    codes.delete(code)
    const kubeconfig = await readFile(join(dir, `${name}.kubeconfig`), 'utf8')
    await writeFile(file, codesText([...codes].map(([c, n]) => ({ name: n, code: c }))), { mode: 0o600 })
    return { status: 200, text: kubeconfig, type: 'application/yaml; charset=utf-8', download: `${name}.kubeconfig` }
  }
  return {
    participants: codes.size,
    routes: {
      'GET /hand-out': () => ({ status: 200, html: PAGE }),
      'GET /hand-out.js': () => ({ status: 200, text: SCRIPT, type: 'text/javascript; charset=utf-8' }),
      'GET /hand-out/*': hand,
    },
  }
}
