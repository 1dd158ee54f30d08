// Where serve and class --serve listen (their flags are the command table's LISTEN_FLAGS), and opening a browser.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { UsageError } from '../../core/errors.js'
import { checkListen, readTls, type ListenOptions } from './http.js'

/** Where to listen, from the listen flags; a UsageError (exit 2) before anything starts when it would be unsafe. */
export async function listenOptions(taken: Record<string, string | boolean>): Promise<ListenOptions> {
  const str = (k: string): string | undefined => (typeof taken[k] === 'string' ? (taken[k] as string) : undefined)
  const port = str('port') === undefined ? 0 : Number(str('port'))
  if (str('port') !== undefined && !/^\d+$/.test(str('port') as string))
    throw new UsageError(`--port takes 0 to 65535, got ${JSON.stringify(str('port'))}.`)
  const host = str('host')
  // Checked before the files are read: plain HTTP off loopback is refused whatever the files hold.
  checkListen({
    ...(host !== undefined ? { host } : {}),
    port,
    ...(str('tls-cert') !== undefined || str('tls-key') !== undefined ? { tls: { cert: '', key: '' } } : {}),
  })
  const tls = await readTls(str('tls-cert'), str('tls-key'))
  const allowed = (str('allowed-host') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '')
  for (const n of allowed)
    if (!/^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9A-Fa-f:]+\]?)$/.test(n))
      throw new UsageError(`--allowed-host takes host names or addresses, comma-separated (a.example,10.0.0.5), got ${JSON.stringify(n)}.`)
  return {
    ...(host !== undefined ? { host } : {}),
    port,
    ...(tls ? { tls } : {}),
    ...(allowed.length > 0 ? { allowedHosts: allowed.map((n) => n.replace(/^\[|\]$/g, '')) } : {}),
  }
}

/**
 * --open: the system's browser, started apart from kubewalk, on a 0600 file of the user's that
 * redirects to the URL (as Jupyter does): the token never sits on a command line `ps` shows. A
 * failure is said, never fatal. Resolves with what removes the file (call it when the server stops).
 */
export async function openBrowser(url: string, say: (line: string) => void, opener = defaultOpener()): Promise<() => Promise<void>> {
  let dir: string
  try {
    dir = await mkdtemp(join(tmpdir(), 'kubewalk-open-'))
  } catch {
    say('could not write the page that opens the browser; open the URL above yourself')
    return async () => undefined
  }
  const file = join(dir, 'open.html')
  const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
  await writeFile(
    file,
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${attr}"><title>kubewalk</title></head>\n<body><p><a href="${attr}">Open kubewalk</a></p></body></html>\n`,
    { mode: 0o600 },
  )
  try {
    const child = spawn(opener, [pathToFileURL(file).href], { stdio: 'ignore', detached: true })
    child.on('error', () => say(`could not start ${opener}; open the URL above yourself`))
    child.unref()
  } catch {
    say(`could not start ${opener}; open the URL above yourself`)
  }
  return () => rm(dir, { recursive: true, force: true })
}

const defaultOpener = (): string => (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open')
