#!/usr/bin/env node
// Part of the build: copies esbuild's JavaScript API (lib/main.js, plain CommonJS with no dependency)
// into dist/vendor/esbuild/. The installed kubewalk then depends only on esbuild's platform binary
// (@esbuild/<os>-<cpu>, optional dependencies without install scripts), not on the esbuild package,
// whose postinstall script npm 11 warns about at every install of a package that depends on it.
// The file keeps its name and folder (lib/main.js): esbuild refuses to run from anywhere else.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)
const main = require.resolve('esbuild')
const root = dirname(dirname(main))
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const out = new URL('../dist/vendor/esbuild/', import.meta.url).pathname
mkdirSync(join(out, 'lib'), { recursive: true })
copyFileSync(main, join(out, 'lib', 'main.js'))
copyFileSync(join(root, 'LICENSE.md'), join(out, 'LICENSE.md'))
// kubewalk is "type": "module"; this marks the copy as CommonJS, as it is in esbuild's own package.
writeFileSync(
  join(out, 'package.json'),
  `${JSON.stringify({ name: 'kubewalk-vendored-esbuild', version, private: true, type: 'commonjs' }, null, 2)}\n`,
)
