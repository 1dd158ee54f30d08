#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script) so start-up needs no TypeScript loader.
import { main } from '../dist/src/cli.js'

// `kubewalk list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw e
})

process.exitCode = await main(process.argv.slice(2))
