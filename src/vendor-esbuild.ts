// esbuild's JavaScript API: the copy the build puts in dist/vendor/esbuild (scripts/vendor-esbuild.mjs),
// which finds its platform binary among kubewalk's optional dependencies; from a checkout without a
// build, the esbuild package itself (a devDependency).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

type Esbuild = typeof import('esbuild')

/** The vendored lib/main.js, seen from src/, dist/src/ or dist/bundle/. */
function vendored(): string | undefined {
  for (const up of ['../dist/', '../../dist/', '../']) {
    const p = fileURLToPath(new URL(`${up}vendor/esbuild/lib/main.js`, import.meta.url))
    if (existsSync(p)) return p
  }
  return undefined
}

export async function loadEsbuild(): Promise<Esbuild> {
  const file = vendored()
  if (file !== undefined) return createRequire(import.meta.url)(file) as Esbuild
  return import('esbuild')
}
