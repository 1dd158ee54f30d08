// Where serve and class --serve listen (their flags are the command table's LISTEN_FLAGS), and opening a browser.
import { spawn } from 'node:child_process'
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
  return { ...(host !== undefined ? { host } : {}), port, ...(tls ? { tls } : {}) }
}

/** --open: the system's browser, started apart from kubewalk; a failure is said, never fatal. */
export function openBrowser(url: string, say: (line: string) => void): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  try {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true })
    child.on('error', () => say(`could not start ${opener}; open the URL above yourself`))
    child.unref()
  } catch {
    say(`could not start ${opener}; open the URL above yourself`)
  }
}
