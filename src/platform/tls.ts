// --strict-tls for a cluster whose kubeconfig sets tls-server-name: kubectl checks the server's
// certificate against that name while connecting to the server's address, and so must the
// walkthrough's curl. curl checks the URL's host, so a `curl` wrapper, first on the strict lines'
// PATH, puts tls-server-name in the URL and sends the connection to the server's address (--connect-to).
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { quote } from './shell.js'

/** The URL prefix the lines use, its tls-server-name twin, and the --connect-to that joins them. */
export function tlsServerNameRewrite(server: string, tlsServerName: string): { from: string; to: string; connectTo: string } {
  const url = new URL(server)
  const port = url.port || (url.protocol === 'http:' ? '80' : '443')
  const host = tlsServerName.includes(':') && !tlsServerName.startsWith('[') ? `[${tlsServerName}]` : tlsServerName
  return { from: server.replace(/\/+$/, ''), to: `${url.protocol}//${host}:${port}`, connectTo: `${host}:${port}:${url.hostname}:${port}` }
}

/**
 * Writes `dir/<program>`, which runs `path` (the program, absolute) with the URLs on the server
 * rewritten to tls-server-name and a --connect-to to the server's address; returns its path.
 */
export async function installTlsServerNameClient(
  dir: string,
  opts: { server: string; tlsServerName: string; program: string; path: string },
): Promise<string> {
  const { from, to, connectTo } = tlsServerNameRewrite(opts.server, opts.tlsServerName)
  const file = join(dir, opts.program)
  await writeFile(
    file,
    `#!/usr/bin/env bash
# kubewalk --strict-tls: the API server's certificate is checked as the kubeconfig's tls-server-name, as kubectl does.
from=${quote(from)}
to=${quote(to)}
args=()
for a in "$@"; do
  if [[ "$a" == "$from" || "$a" == "$from"/* ]]; then a="$to\${a#"$from"}"; fi
  args+=("$a")
done
exec ${quote(opts.path)} --connect-to ${quote(connectTo)} "\${args[@]}"
`,
    { mode: 0o700 },
  )
  return file
}
