// README stays true: its CLI reference is the CLI's own --help, and its Quick start is two commands.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { main } from './helpers.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('shows --help verbatim in the CLI reference', async () => {
    let help = ''
    await main(['--help'], { stdout: (t) => void (help += t), stderr: () => {}, isTTY: false, env: {} })
    expect(readme).toContain(`## CLI reference\n\n\`\`\`\n${help.trimEnd()}\n\`\`\``)
  })
  it('has a Quick start of exactly two commands, one replaying the article and one running the tests', () => {
    const block = /## Quick start[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    const commands = block
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean)
    expect(commands).toEqual(['npm ci && npm start', 'npm test'])
  })
})
