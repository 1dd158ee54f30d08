// npm run docs:cli: writes docs/reference/cli.md from the command table (test/faces/commands/help.test.ts checks it is current).
import { writeFileSync } from 'node:fs'
import { cliReference } from '../src/faces/commands/help.js'

const file = new URL('../docs/reference/cli.md', import.meta.url)
writeFileSync(file, cliReference())
console.log(`wrote ${file.pathname}`)
