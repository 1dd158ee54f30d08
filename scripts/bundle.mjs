#!/usr/bin/env node
// Part of the build (after tsc): bundles the compiled CLI into dist/bundle/ for bin/kubewalk.js.
// - cli.cjs: the CLI and the registry as one CommonJS file, which bin/kubewalk.js compiles with a V8 code cache
//   (src/platform/code-cache.ts): ES modules get no compile cache on Node 20, and one file loads faster than many.
//   Every module's import.meta.url is the bundle's own URL, as it was for the ES chunks this replaces, so files
//   found beside the code (the guard's hook.mjs) or up from it (the package root) are found the same way.
// - code-cache.js: the loader bin/kubewalk.js runs it with (an ES module: the launcher is one).
// - import-module.cjs: the CLI's one import() (of a walkthrough folder's bundle, of esbuild), outside cli.cjs.
// - the guard's .mjs files, which the shell's kubectl function and PATH shim run with node.
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const esbuild = require('esbuild')
const dist = new URL('../dist/', import.meta.url).pathname
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', charset: 'ascii' }

// The one module that calls import() stays a file of its own, loaded by Node's require (src/platform/import-module.ts).
const importModule = `${dist}src/platform/import-module.js`
const importModuleApart = {
  name: 'import-module-apart',
  setup(build) {
    build.onResolve({ filter: /import-module\.js$/ }, (args) =>
      join(args.resolveDir, args.path) === importModule ? { path: './import-module.cjs', external: true } : undefined,
    )
  },
}

await esbuild.build({
  ...common,
  entryPoints: [`${dist}walkthroughs/cli.js`],
  outfile: `${dist}bundle/cli.cjs`,
  format: 'cjs',
  plugins: [importModuleApart],
  // Left to Node's resolution from the package, as before: marked, and esbuild (vendored, else imported).
  external: ['marked', 'esbuild'],
  define: { 'import.meta.url': '__kubewalk_bundle_url' },
  banner: { js: "var __kubewalk_bundle_url = require('node:url').pathToFileURL(__filename).href;" },
})
await esbuild.build({ ...common, entryPoints: [`${dist}src/platform/code-cache.js`], outfile: `${dist}bundle/code-cache.js`, format: 'esm' })
await esbuild.build({ ...common, entryPoints: [importModule], outfile: `${dist}bundle/import-module.cjs`, format: 'cjs' })

// The loader reads the bundle as one-byte text (no UTF-8 decoding at every start). esbuild's ASCII charset escapes
// strings, templates and names; what it leaves (regular expression literals, comments) means the same with each
// UTF-16 unit written as \uXXXX, in either regex mode.
const file = `${dist}bundle/cli.cjs`
const text = readFileSync(file, 'utf8')
const escaped = text.replace(/(\\?)([\u0080-\uffff])/g, (_, backslash, c) => {
  if (backslash) throw new Error(`dist/bundle/cli.cjs: an escaped non-ASCII character (${c}) cannot be rewritten as \\uXXXX`)
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
})
writeFileSync(file, escaped)

const guard = new URL('../src/engine/guard/', import.meta.url).pathname
for (const f of readdirSync(guard).filter((n) => n.endsWith('.mjs'))) copyFileSync(`${guard}${f}`, `${dist}bundle/${f}`)
