// --open through a 0600 file that redirects to the token URL (as Jupyter does): the opener's command
// line, which `ps` shows to every user, never holds the token. --allowed-host's form.
import { existsSync } from 'node:fs'
import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { listenOptions, openBrowser } from '../../../src/faces/serve/listen.js'
import { testDir } from '../../temp-dir.js'

describe('--open', () => {
  it('starts the browser on a 0600 file that redirects to the URL; the token is not on its command line; the file goes when asked', async () => {
    const dir = await testDir('kubewalk-open-test-')
    // A stand-in for xdg-open that records its arguments.
    const opener = join(dir, 'xdg-open')
    await writeFile(opener, `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/argv"\n`)
    await chmod(opener, 0o755)
    const url = 'http://127.0.0.1:4567/?token=Sekr3tT0kenValue_abcdefghijklmnop'
    const said: string[] = []
    const forget = await openBrowser(url, (l) => void said.push(l), opener)
    const argvFile = join(dir, 'argv')
    for (let i = 0; i < 200 && !existsSync(argvFile); i++) await new Promise((r) => setTimeout(r, 20))
    const argv = (await readFile(argvFile, 'utf8')).trim().split('\n')
    expect(argv).toHaveLength(1)
    expect(argv[0]).toMatch(/^file:\/\/.*\/open\.html$/)
    expect(argv.join(' ')).not.toContain('Sekr3t')
    const page = fileURLToPath(argv[0] as string)
    expect((await stat(page)).mode & 0o777).toBe(0o600)
    expect((await stat(join(page, '..'))).mode & 0o777).toBe(0o700)
    expect(await readFile(page, 'utf8')).toContain(`<meta http-equiv="refresh" content="0;url=${url}">`)
    expect(said).toEqual([])
    await forget()
    expect(existsSync(page)).toBe(false)
  })
})

describe('--allowed-host', () => {
  it('takes comma-separated names and addresses', async () => {
    expect((await listenOptions({ 'allowed-host': 'kw.example, 10.0.0.5,[fd00::2]' })).allowedHosts).toEqual(['kw.example', '10.0.0.5', 'fd00::2'])
    await expect(listenOptions({ 'allowed-host': 'a b' })).rejects.toThrow(/--allowed-host takes host names or addresses/)
  })
})
