#!/usr/bin/env node
// Thin launcher: `npm ci` (the prepare script) compiles the CLI and bundles it into dist/bundle/, so
// start-up needs no TypeScript loader and loads a few files instead of hundreds (65 ms less, measured).
// It hands the registry of walkthroughs to the engine's CLI.
import { createCli, walkthroughs } from '../dist/bundle/cli.js'

// `kubewalk list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw e
})

process.exitCode = await createCli(walkthroughs)(process.argv.slice(2))
