// The CLI reference page is the command table's: written by `npm run docs:cli`, checked here to be current.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { cliReference } from '../../../src/faces/commands/help.js'
import { allCommands, flagsOf } from '../../../src/faces/commands/table.js'

const page = readFileSync(new URL('../../../docs/reference/cli.md', import.meta.url), 'utf8')

describe('docs/reference/cli.md', () => {
  it('is what npm run docs:cli writes from the table now (run it after changing a command)', () => {
    expect(page).toBe(cliReference())
  })
  it.each(allCommands().map(({ name, command }) => [name, command] as const))(
    'has a section for kubewalk %s naming each of its flags',
    (name, command) => {
      const section = page.split(`\n## kubewalk ${name}\n`)[1]?.split('\n## ')[0] ?? ''
      expect(section).not.toBe('')
      for (const flag of Object.keys(flagsOf(command))) expect(section, flag).toContain(`\`--${flag}`)
    },
  )
})
