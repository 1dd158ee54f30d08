// esbuild's JavaScript API: the copy the build puts in dist/vendor/esbuild (scripts/vendor-esbuild.mjs),
// which finds its platform binary among kubewalk's optional dependencies; from a checkout without a
// build, the esbuild package itself (a devDependency).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { importModule } from './import-module.js'
import { packageRoot } from './paths.js'

type Esbuild = typeof import('esbuild')

/** The vendored lib/main.js, if the package was built. */
function vendored(): string | undefined {
  const p = join(packageRoot(), 'dist/vendor/esbuild/lib/main.js')
  return existsSync(p) ? p : undefined
}

export async function loadEsbuild(): Promise<Esbuild> {
  const file = vendored()
  if (file !== undefined) return createRequire(import.meta.url)(file) as Esbuild
  return (await importModule('esbuild')) as unknown as Esbuild
}
