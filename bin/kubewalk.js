#!/usr/bin/env node
// Thin launcher: `npm ci` (the prepare script) compiles the CLI and bundles it into dist/bundle/cli.cjs,
// which runs here compiled with a V8 code cache (dist/bundle/code-cache.js; `KUBEWALK_CODE_CACHE=off`
// turns it off). It hands the registry of walkthroughs to the engine's CLI.
import { fileURLToPath } from 'node:url'
import { codeCacheDir, loadBundle } from '../dist/bundle/code-cache.js'

const cli = loadBundle(fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url)), codeCacheDir())
const { createCli, walkthroughs } = cli.exports

// `kubewalk list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw e
})

const args = process.argv.slice(2)
process.exitCode = await createCli(walkthroughs)(args)
// A command that replayed a whole walkthrough (its steps ran: it passed, or a step failed) compiled most of the CLI:
// a cache made after one serves every command.
cli.saveCache(['run', 'drift', 'record'].includes(args[0]) && (process.exitCode === 0 || process.exitCode === 1))
