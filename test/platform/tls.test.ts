// --strict-tls with tls-server-name: the walkthrough's curl checks that name, connecting to the server's address.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runScript } from '../../src/platform/shell.js'
import { installTlsServerNameClient, tlsServerNameRewrite } from '../../src/platform/tls.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-tls-'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('tlsServerNameRewrite', () => {
  it.each([
    [
      'https://127.0.0.2:6443',
      'kubernetes',
      { from: 'https://127.0.0.2:6443', to: 'https://kubernetes:6443', connectTo: 'kubernetes:6443:127.0.0.2:6443' },
    ],
    ['https://10.1.2.3/', 'api.internal', { from: 'https://10.1.2.3', to: 'https://api.internal:443', connectTo: 'api.internal:443:10.1.2.3:443' }],
    ['https://[::1]:8443', 'localhost', { from: 'https://[::1]:8443', to: 'https://localhost:8443', connectTo: 'localhost:8443:[::1]:8443' }],
  ])('%s as %s', (server, name, expected) => {
    expect(tlsServerNameRewrite(server, name)).toEqual(expected)
  })
})

describe('the curl wrapper', () => {
  it('rewrites only URLs on the server, and adds --connect-to; every other argument passes intact', async () => {
    const fake = join(dir, 'fake-curl')
    await writeFile(fake, '#!/usr/bin/env bash\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n', { mode: 0o755 })
    const bin = await mkdtemp(join(dir, 'bin-'))
    await installTlsServerNameClient(bin, { server: 'https://127.0.0.2:6443', tlsServerName: 'kubernetes', program: 'curl', path: fake })
    const r = await runScript(
      'curl -X GET $APISERVER/api --header "Authorization: Bearer $TOKEN" --cacert "$KUBEWALK_CACERT" https://127.0.0.2:64430/x "$APISERVER"',
      {
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, APISERVER: 'https://127.0.0.2:6443', TOKEN: 'a b$(x)', KUBEWALK_CACERT: '/c a.crt' },
        timeoutMs: 10_000,
      },
    )
    expect(r.stdout).toBe(
      [
        '--connect-to',
        'kubernetes:6443:127.0.0.2:6443',
        '-X',
        'GET',
        'https://kubernetes:6443/api',
        '--header',
        'Authorization: Bearer a b$(x)',
        '--cacert',
        '/c a.crt',
        'https://127.0.0.2:64430/x',
        'https://kubernetes:6443',
      ]
        .map((a) => `[${a}]\n`)
        .join(''),
    )
  })
})
