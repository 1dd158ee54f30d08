// The flags serve and class --serve share (where to listen, TLS, opening a browser), taken out of the
// arguments before the rest are parsed as the command's own.
import { spawn } from 'node:child_process'
import { UsageError } from '../../core/errors.js'
import { checkListen, readTls, type ListenOptions } from './http.js'

export const LISTEN_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  open: { type: 'boolean' },
} as const

/** Splits `args` into the flags named in `flags` (their values by name) and the rest, in order. */
export function takeFlags(
  args: readonly string[],
  flags: Record<string, { type: 'string' | 'boolean' }>,
): { taken: Record<string, string | boolean>; rest: string[] } {
  const taken: Record<string, string | boolean> = {}
  const rest: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--') {
      rest.push(...args.slice(i))
      break
    }
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a)
    const spec = m ? flags[m[1] as string] : undefined
    if (!m || spec === undefined) {
      rest.push(a)
      continue
    }
    const name = m[1] as string
    if (spec.type === 'boolean') {
      if (m[2] !== undefined) throw new UsageError(`option --${name} takes no value; see kubewalk --help.`)
      taken[name] = true
    } else {
      const value = m[2] ?? args[++i]
      if (value === undefined || (m[2] === undefined && value.startsWith('--')))
        throw new UsageError(`option --${name} needs a value; see kubewalk --help.`)
      taken[name] = value
    }
  }
  return { taken, rest }
}

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
