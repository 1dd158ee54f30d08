// A walkthrough in a folder: its index.ts (or index.js) exports it. TypeScript is compiled on the fly
// with esbuild into one module, cached under ~/.cache/kubewalk/walkthroughs by the content of every
// file the bundle includes: an unchanged walkthrough loads without esbuild, a changed helper file is
// never served stale. `import … from 'kubewalk'` resolves to the kubewalk that is running, so the
// author's folder needs no node_modules and its errors are the engine's own classes.
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { UsageError, WalkthroughError } from '../../core/errors.js'
import type { Walkthrough } from '../../core/walkthrough.js'
import { importModule } from '../../platform/import-module.js'
import { loadEsbuild } from '../../platform/vendor-esbuild.js'

/** The module specifiers that resolve to the running kubewalk, and the global each reads it from. */
export const KUBEWALK_MODULES: Readonly<Record<string, string>> = {
  kubewalk: 'kubewalk.api',
  'kubewalk/testing': 'kubewalk.testing',
  'kubewalk/parse': 'kubewalk.parse',
}

interface Manifest {
  /** Every input file of the bundle (absolute) and the SHA-256 of its content. */
  inputs: Record<string, string>
  bundle: string
  /** The names the bundle reads from each kubewalk module, by specifier: only those modules are loaded to run it. */
  uses: Record<string, string[]>
}

/**
 * The running kubewalk's modules an author's folder may import, by specifier, each loaded when asked;
 * `light`, where given, serves a bundle that needs only the names it has (the authoring surface,
 * without the lab, reporters and token code the whole API drags in).
 */
export type ApiModules = Record<string, { load(): Promise<object>; light?(): Promise<object> }>

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

function cacheRoot(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'kubewalk', 'walkthroughs')
}

/** The folder's entry file, or a UsageError naming what is missing. */
export async function entryOf(dir: string): Promise<string> {
  const info = await stat(dir).catch(() => undefined)
  if (info === undefined) throw new UsageError(`--walkthrough ${dir}: no such file or folder.`)
  if (!info.isDirectory()) throw new UsageError(`--walkthrough ${dir}: not a folder or a Markdown file (.md).`)
  for (const name of ['index.ts', 'index.mts', 'index.js', 'index.mjs']) if (existsSync(join(dir, name))) return join(dir, name)
  throw new UsageError(`--walkthrough ${dir}: the folder has no index.ts or index.js exporting a walkthrough.`)
}

/** The cached bundle when every file it was built from is unchanged, else undefined. */
async function cached(manifestFile: string): Promise<Manifest | undefined> {
  const m = JSON.parse(await readFile(manifestFile, 'utf8').catch(() => 'null')) as Manifest | null
  if (m === null || !existsSync(m.bundle) || m.uses === undefined) return undefined
  for (const [file, digest] of Object.entries(m.inputs)) {
    const content = await readFile(file).catch(() => undefined)
    if (content === undefined || sha256(content) !== digest) return undefined
  }
  return m
}

const slot = (spec: string): string => `Symbol.for(${JSON.stringify(KUBEWALK_MODULES[spec] ?? spec)})`

/** The source of the module that stands for `kubewalk` (or a subpath) in the author's bundle: each name read where the loader puts the module. */
function shimFor(spec: string, api: object): string {
  const names = Object.keys(api).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default')
  // Pure, so esbuild drops every name the author's files do not import (usesOf reads what is left).
  return `${names.map((n) => `export const ${n} = /* @__PURE__ */ (() => globalThis[${slot(spec)}].${n})();`).join('\n')}\n`
}

/** The names the bundle reads from each module (esbuild keeps only the shim's exports that are used). */
function usesOf(code: string): Record<string, string[]> {
  const uses: Record<string, string[]> = {}
  for (const spec of Object.keys(KUBEWALK_MODULES)) {
    const names = [
      ...code.matchAll(new RegExp(`globalThis\\[(?:/\\* @__PURE__ \\*/ )?${slot(spec).replace(/[.()[\]"]/g, '\\$&')}\\]\\.([A-Za-z_$][\\w$]*)`, 'g')),
    ].map((m) => m[1] as string)
    if (names.length > 0) uses[spec] = [...new Set(names)].sort()
  }
  return uses
}

/** Puts each module the bundle reads where its shim finds it; the light one where it has every name needed. */
async function link(uses: Record<string, string[]>, apis: ApiModules): Promise<void> {
  await Promise.all(
    Object.entries(uses).map(async ([spec, names]) => {
      const m = apis[spec]
      if (m === undefined) return
      const light = m.light ? await m.light() : undefined
      const mod = light !== undefined && names.every((n) => n in light) ? light : await m.load()
      ;(globalThis as Record<symbol, unknown>)[Symbol.for(KUBEWALK_MODULES[spec] ?? spec)] = mod
    }),
  )
}

async function bundle(entry: string, dir: string, apis: Record<string, object>): Promise<{ code: string; inputs: string[] }> {
  const esbuild = await loadEsbuild()
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      absWorkingDir: dir,
      plugins: [
        {
          name: 'kubewalk',
          setup(b) {
            b.onResolve({ filter: /^kubewalk(\/[a-z]+)?$/ }, (a) =>
              a.path in KUBEWALK_MODULES ? { path: a.path, namespace: 'kubewalk' } : undefined,
            )
            b.onLoad({ filter: /.*/, namespace: 'kubewalk' }, (a) => ({ contents: shimFor(a.path, apis[a.path] ?? {}), loader: 'js' }))
            // The bundle runs from the cache: a file that finds its prose by import.meta.url still finds it beside itself.
            b.onLoad({ filter: /\.[mc]?[jt]s$/ }, async (a) => {
              if (a.path.includes('/node_modules/')) return undefined
              const url = pathToFileURL(a.path)
              const text = (await readFile(a.path, 'utf8'))
                .replace(/\bimport\.meta\.url\b/g, JSON.stringify(url.href))
                .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(a.path)))
                .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(a.path))
              return { contents: text, loader: /\.[mc]?ts$/.test(a.path) ? 'ts' : 'js' }
            })
          },
        },
      ],
    })
    const code = result.outputFiles[0]?.text ?? ''
    const inputs = Object.keys(result.metafile.inputs)
      .filter((p) => !p.startsWith('kubewalk:'))
      .map((p) => resolve(dir, p))
    return { code, inputs }
  } catch (e) {
    const first = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors?.[0]
    if (first === undefined) throw e
    const where = first.location
      ? `${relative(process.cwd(), resolve(dir, first.location.file))}:${first.location.line}:${first.location.column + 1}: `
      : ''
    throw new WalkthroughError(`${where}${first.text}`, { cause: e })
  }
}

/** The walkthrough a module exports: its default export, or the only exported walkthrough. */
export function walkthroughExport(mod: Record<string, unknown>, file: string): Walkthrough {
  const looksLike = (v: unknown): v is Walkthrough =>
    typeof v === 'object' && v !== null && typeof (v as Walkthrough).id === 'string' && Array.isArray((v as Walkthrough).steps)
  if (looksLike(mod.default)) return mod.default
  const found = Object.entries(mod).filter(([, v]) => looksLike(v))
  if (found.length === 1) return found[0]![1] as Walkthrough
  if (found.length === 0) throw new WalkthroughError(`${file} exports no walkthrough (export default defineWalkthrough({ … })).`)
  throw new WalkthroughError(`${file} exports ${found.length} walkthroughs (${found.map(([n]) => n).join(', ')}); make one the default export.`)
}

/**
 * Loads the walkthrough a folder exports. `apis` are the running kubewalk's modules by specifier
 * (`kubewalk`, `kubewalk/testing`, `kubewalk/parse`), linked where the compiled bundle reads them.
 */
export async function loadFolderWalkthrough(
  dir: string,
  apis: ApiModules,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Walkthrough> {
  const abs = resolve(dir)
  const entry = await entryOf(abs)
  const root = join(cacheRoot(env), sha256(abs).slice(0, 16))
  const manifestFile = join(root, 'manifest.json')
  let manifest = await cached(manifestFile)
  if (manifest === undefined) {
    // Compiling needs every module's names (for its shim); the cached path loads only what the bundle reads.
    const full = Object.fromEntries(await Promise.all(Object.entries(apis).map(async ([spec, m]) => [spec, await m.load()] as const)))
    const { code, inputs } = await bundle(entry, abs, full)
    const digests: Record<string, string> = {}
    for (const input of inputs) digests[input] = sha256(await readFile(input))
    // The bundle sits in the author's folder's cache entry, named by its content: never half-written, never stale.
    const file = join(root, `${sha256(code).slice(0, 16)}.mjs`)
    await mkdir(root, { recursive: true, mode: 0o700 })
    if (!existsSync(file)) {
      await writeFile(`${file}.tmp`, code)
      await rename(`${file}.tmp`, file)
    }
    manifest = { inputs: digests, bundle: file, uses: usesOf(code) }
    await writeFile(`${manifestFile}.tmp`, JSON.stringify(manifest))
    await rename(`${manifestFile}.tmp`, manifestFile)
  }
  await link(manifest.uses, apis)
  let mod: Record<string, unknown>
  try {
    mod = await importModule(pathToFileURL(manifest.bundle).href)
  } catch (e) {
    if (e instanceof WalkthroughError) throw e
    throw new WalkthroughError(`${relative(process.cwd(), entry)}: ${(e as Error).message.split('\n')[0]}`, { cause: e })
  }
  return walkthroughExport(mod, relative(process.cwd(), entry) || entry)
}
