#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the prepare script) so start-up needs no TypeScript loader.
import { main } from '../dist/src/cli.js'

process.exitCode = await main(process.argv.slice(2))
