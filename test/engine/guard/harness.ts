// A guarded bash for the guard's tests: the stand-in kubectl (stand-in-kubectl.mjs) as the real one,
// the guard installed in a test directory, and a line run through plain `bash -s` with the function
// defined and the shim first on PATH, as the kernel will (but without it).
import { spawn } from 'node:child_process'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { startGuardServer, type GuardServer } from '../../../src/engine/guard/server.js'
import { installGuard, type GuardMode, type InstalledGuard } from '../../../src/engine/guard/shim.js'
import { testDir } from '../../temp-dir.js'

const standIn = fileURLToPath(new URL('./stand-in-kubectl.mjs', import.meta.url))
const yaml = createRequire(import.meta.url).resolve('yaml')

export interface Harness {
  dir: string
  stateDir: string
  guard: InstalledGuard
  /** The guard in the test's process, with `via: 'server'`. */
  server?: GuardServer
  /** Runs a line; an INT trap stops it (exit 2 unless told otherwise) as the kernel's will, '' sets none. */
  run(line: string, o?: { trap?: string }): Promise<{ status: number | null; stdout: string; stderr: string }>
  /** Every call the stand-in saw, in order. */
  calls(): Promise<{ argv: string[]; stdin: string }[]>
  store(): Promise<
    { kind: string; metadata: { name: string; namespace?: string; uid: string; resourceVersion?: string; labels?: Record<string, string> } }[]
  >
  seed(objects: unknown[]): Promise<void>
}

/** How the function's guarded calls are checked: by the hook (a node process per call) or the test's own process (server.ts). */
export type Via = 'hook' | 'server'

export async function harness(
  mode: Partial<GuardMode> = {},
  o: { stopSignal?: string | null; via?: Via; readTimeoutMs?: number; spareByCaller?: boolean } = {},
): Promise<Harness> {
  const dir = await testDir('kw-guard-')
  const bin = join(dir, 'real')
  await mkdir(bin)
  // STANDIN_RAW: each call's arguments also written as bytes (NUL after each, a line after each call): node's argv is decoded.
  await writeFile(
    join(bin, 'kubectl'),
    `#!/bin/bash\nif [ -n "$STANDIN_RAW" ]; then printf '%s\\0' "$@" >>"$STANDIN_RAW"; echo >>"$STANDIN_RAW"; fi\nexec ${process.execPath} ${standIn} "$@"\n`,
  )
  await chmod(join(bin, 'kubectl'), 0o755)
  // A space and a quote in the path: the function and the shim must quote what they embed.
  const stateDir = join(dir, "state o'k")
  const path = `${bin}${delimiter}${process.env.PATH ?? ''}`
  await mkdir(stateDir)
  const server =
    o.via === 'server'
      ? await startGuardServer(stateDir, {
          ...(o.readTimeoutMs ? { readTimeoutMs: o.readTimeoutMs } : {}),
          ...(o.spareByCaller ? { spareByCaller: true } : {}),
        })
      : undefined
  if (server) onTestFinished(() => server.close())
  const guard = await installGuard({
    stateDir,
    realKubectl: 'kubectl',
    path,
    mode: { lab: false, namespaces: [], allow: [], ...mode },
    ...(o.stopSignal !== undefined ? { stopSignal: o.stopSignal } : {}),
    ...(server ? { server } : {}),
  })
  // No kubeconfig of the developer's: the guard's own reads go to the stand-in, never to a cluster KUBECONFIG names.
  const env = { ...process.env, ...guard.env, KUBECONFIG: join(dir, 'no-kubeconfig'), STANDIN_DIR: dir, STANDIN_YAML: yaml }
  return {
    dir,
    stateDir,
    guard,
    ...(server ? { server } : {}),
    async run(line, opts = {}) {
      const trap = opts.trap ?? 'exit 2'
      const script = `${trap ? `trap '${trap}' INT\n` : ''}${guard.functionText}\ncd ${dir}\n${line}\n`
      // Not spawnSync: with the server, this process answers the shell while it runs.
      const child = spawn('bash', ['--norc', '--noprofile', '-s'], { env })
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => err.push(b))
      child.stdin.end(script)
      const status = await new Promise<number | null>((r) => child.on('close', (code) => r(code)))
      // What the last call created is recorded after the shell went on: the run reads the ledger after this, too.
      await server?.settled()
      return { status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }
    },
    async calls() {
      const text = await readFile(join(dir, 'calls.jsonl'), 'utf8').catch(() => '')
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l))
    },
    async store() {
      return JSON.parse(await readFile(join(dir, 'store.json'), 'utf8').catch(() => '[]'))
    },
    async seed(objects) {
      await writeFile(join(dir, 'store.json'), JSON.stringify(objects))
    },
  }
}

/** A ConfigMap as the server stores it (someone else's unless the ledger says otherwise). */
export const configMap = (name: string, namespace = 'default', uid = `uid-${name}`): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, uid, resourceVersion: '7' },
  data: { a: '1' },
})
export const node = (name: string): unknown => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, uid: `uid-${name}`, resourceVersion: '3', labels: { zone: 'a' } },
  spec: {},
  status: { phase: 'Ready' },
})
