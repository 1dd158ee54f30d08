// kubewalk import: the CLI face of src/sources/markdown/import.ts.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createCli } from '../../../src/faces/cli.js'
import { walkthroughs } from '../../../walkthroughs/index.js'
import { captureIo } from '../../helpers.js'
import { testDir } from '../../temp-dir.js'

const excerpt = fileURLToPath(new URL('../../fixtures/markdown/pasted-excerpt.txt', import.meta.url))
const cli = createCli(walkthroughs)

describe('kubewalk import', () => {
  it('prints the Markdown walkthrough, or writes it with --out (never over a file without --force)', async () => {
    const io = captureIo()
    expect(await cli(['import', excerpt], io.sinks)).toBe(0)
    expect(io.out()).toContain('```bash\nexport CLUSTER="your_cluster_name"\n```')
    const out = join(await testDir('kubewalk-import-'), 'w.md')
    await writeFile(out, 'mine')
    const again = captureIo()
    expect(await cli(['import', excerpt, '--out', out], again.sinks)).toBe(2)
    expect(again.err()).toBe(`kubewalk: --out ${out}: the file exists; remove it or add --force.\n`)
    expect(await readFile(out, 'utf8')).toBe('mine')
    expect(await cli(['import', excerpt, '--out', out, '--force'], captureIo().sinks)).toBe(0)
    expect(await readFile(out, 'utf8')).toBe(io.out())
  })
  it.each([
    [['import'], 'kubewalk: import needs the article: kubewalk import SOURCE [--out PATH] [--typed].\n'],
    [['import', '/nonexistent/a.txt', '--typed'], 'kubewalk: import --typed writes a folder: give it with --out DIR.\n'],
    [['import', '/nonexistent/a.txt'], 'kubewalk: /nonexistent/a.txt: no such file.\n'],
  ])('%o is exit 2: %s', async (args, message) => {
    const io = captureIo()
    expect(await cli(args, io.sinks)).toBe(2)
    expect(io.err()).toBe(message)
  })
  it('a text with no command is exit 2', async () => {
    const f = join(await testDir('kubewalk-import-'), 'prose.txt')
    await writeFile(f, 'Just words.\nNo prompt here.\n')
    const io = captureIo()
    expect(await cli(['import', f], io.sinks)).toBe(2)
    expect(io.err()).toMatch(/prose\.txt: no command found/)
  })
})
