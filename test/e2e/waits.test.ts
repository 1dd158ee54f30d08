// Waits a reader does by eye, on a lab with a node (root only): a Markdown walkthrough runs a Pod and at once reads
// its logs and execs in it; kubewalk waits for the Pod (reported), reads it once when it is already Running, waits for
// the STATUS a `kubectl get` recording shows, ends a `-w` watch once it has shown the recording, and cleanup watches
// the Pod go.
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import https from 'node:https'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_LAB_VERSION, ensureLabBinaries, ensureNode, labDown, labUp, type LabState } from '../../src/platform/lab/index.js'
import { cacheImage, cachedImages, type CachedImage } from '../../src/platform/lab/node/image-cache.js'
import { buildImage } from '../../src/platform/lab/node/images.js'
import { kubewalk, type JsonReport } from './cli.js'
import { isCI } from './global-setup.js'

const version = process.env.KUBEWALK_LAB_VERSION || DEFAULT_LAB_VERSION
const root = process.getuid?.() === 0
if (!root && isCI()) throw new Error(`CI=${process.env.CI} but not root: the node tests must not be skipped under CI`)

/** A stand-in for Docker Hub's busybox (docker.io/library/busybox:latest): Debian's busybox-static, `sh` by default. */
async function standInBusybox(dir: string): Promise<string> {
  const rootfs = path.join(dir, 'busybox-rootfs')
  await mkdir(path.join(rootfs, 'bin'), { recursive: true })
  await copyFile('/bin/busybox', path.join(rootfs, 'bin', 'busybox'))
  for (const applet of ['sh', 'echo', 'sleep', 'cat', 'ls']) await symlink('busybox', path.join(rootfs, 'bin', applet))
  const tarball = path.join(dir, 'busybox.tar')
  await buildImage(rootfs, tarball, 'docker.io/library/busybox:latest', { entrypoint: [], cmd: ['sh'], env: ['PATH=/bin'] })
  return tarball
}

const fence = (lang: string, text: string): string => `\`\`\`${lang}\n${text}\n\`\`\`\n`
const WALKTHROUGH = [
  '# Read a Pod right after creating it\n',
  fence(
    'bash',
    `kubectl run waits-demo --image=busybox --restart=Never -- sh -c 'trap "exit 0" TERM; echo hello from the pod; while true; do sleep 1; done'`,
  ),
  fence('', 'pod/waits-demo created'),
  fence('bash', 'kubectl logs waits-demo'),
  fence('', 'hello from the pod'),
  fence('bash', 'kubectl exec waits-demo -- echo hi'),
  fence('', 'hi'),
  fence('bash', 'kubectl get pod waits-demo'),
  fence('', 'NAME         READY   STATUS    RESTARTS   AGE\nwaits-demo   1/1     Running   0          5s'),
  fence('bash', 'kubectl get pods -w'),
  fence('', 'NAME         READY   STATUS    RESTARTS   AGE\nwaits-demo   1/1     Running   0          6s'),
].join('\n')

describe.skipIf(!root)(root ? `waits a reader does by eye (${version}, a lab with a node)` : 'waits (skipped: a lab with a node needs root)', () => {
  let parent = ''
  let dir = ''
  let state: LabState
  let kubectl = ''
  let image: CachedImage | undefined
  let imageWasCached = false

  beforeAll(async () => {
    const binaries = await ensureLabBinaries({ version })
    const node = await ensureNode(binaries)
    kubectl = binaries.kubectl
    parent = await mkdtemp(path.join(tmpdir(), 'kubewalk-waits-e2e-'))
    dir = path.join(parent, 'lab')
    const tarball = await standInBusybox(parent)
    const cachedBefore = new Set((await cachedImages()).map((c) => c.file))
    image = await cacheImage(tarball)
    imageWasCached = cachedBefore.has(image.file)
    const began = performance.now()
    state = await labUp({ dir, binaries, node, onProgress: (line) => process.stderr.write(`[waits lab] ${line}\n`) })
    process.stderr.write(`[waits lab] ready in ${((performance.now() - began) / 1000).toFixed(1)} s\n`)
  }, 1_200_000)

  afterAll(async () => {
    if (dir) await labDown({ dir })
    if (parent) await rm(parent, { recursive: true, force: true })
    if (image && !imageWasCached) await rm(image.file, { force: true })
  })

  it('waits for the Pod before logs, reads it once before exec, waits for the recorded STATUS, bounds the watch, and watches the Pod go', async () => {
    const md = path.join(parent, 'waits.md')
    await writeFile(md, WALKTHROUGH)
    // The lab's kubectl, each call written down: how many reads the waits cost.
    const log = path.join(parent, 'calls')
    const logged = path.join(parent, 'kubectl-logged')
    await writeFile(logged, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${kubectl}' "$@"\n`)
    await chmod(logged, 0o755)
    const began = performance.now()
    const r = await kubewalk(['run', '--walkthrough', md, '--kubeconfig', state.kubeconfig, '--kubectl', logged, '--reporter', 'json'])
    const took = performance.now() - began
    const report = JSON.parse(r.stdout) as JsonReport
    process.stderr.write(
      `[waits] run took ${(took / 1000).toFixed(1)} s; steps: ${report.steps.map((s) => `${s.id} ${s.status} ${s.durationMs} ms ${JSON.stringify(s.notes ?? [])}${s.error ? ` (${s.error.message})` : ''}`).join(' | ')}\n`,
    )
    expect(report.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed'])
    expect(r.exitCode).toBe(0)
    const [, logs, exec, get, watch] = report.steps
    expect(logs?.notes).toEqual([expect.stringMatching(/^waited \d+\.\d s for pod\/waits-demo to start its container before the line ran$/)])
    expect(logs?.output.stdout.trim()).toBe('hello from the pod')
    expect(exec?.notes).toBeUndefined()
    expect(exec?.output.stdout.trim()).toBe('hi')
    expect(get?.attempts).toBeGreaterThanOrEqual(1)
    // The watch ends once it has shown the recorded row, long before a command's limit.
    expect(watch?.durationMs).toBeLessThan(6_000)
    expect(watch?.output.stdout).toMatch(/waits-demo\s+1\/1\s+Running/)
    // The Pod was already Running at exec: its wait cost one read.
    const calls = (await readFile(log, 'utf8')).trim().split('\n')
    const between = calls.slice(
      calls.findIndex((c) => c.startsWith('logs ')) + 1,
      calls.findIndex((c) => c.startsWith('exec ')),
    )
    expect(between).toEqual(['get pod/waits-demo -o json'])
    // Cleanup asked for the deletion without blocking on it (from the guard's record: the namespace the call used),
    // and saw the Pod go (its TERM trap ends it at once).
    expect(report.cleanup).toEqual([expect.objectContaining({ describe: 'delete pod/waits-demo in namespace default', status: 'done' })])
    const left = await execa(kubectl, ['--kubeconfig', state.kubeconfig, 'get', 'pods', '-o', 'name'], { reject: false, env: { KUBERC: 'off' } })
    expect(left.stdout.trim()).toBe('')
  }, 300_000)

  it('measures one read of a Running Pod through kubectl', async () => {
    const k = (...args: string[]) => execa(kubectl, ['--kubeconfig', state.kubeconfig, ...args], { reject: false, env: { KUBERC: 'off' } })
    await k('run', 'waits-measure', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done')
    await k('wait', '--for=condition=Ready', 'pod/waits-measure', '--timeout=60s')
    const times: number[] = []
    for (let i = 0; i < 7; i++) {
      const t = performance.now()
      const r = await k('get', 'pod/waits-measure', '-o', 'json')
      times.push(performance.now() - t)
      expect(r.exitCode).toBe(0)
    }
    times.sort((a, b) => a - b)
    process.stderr.write(
      `[waits] one kubectl get pod -o json: median ${times[3]?.toFixed(0)} ms (min ${times[0]?.toFixed(0)}, max ${times[6]?.toFixed(0)})\n`,
    )
    // The other way to read it: one HTTPS GET with the kubeconfig's credentials (a new connection each time, as one wait would).
    const pki = path.join(state.dir, 'pki')
    const [ca, cert, key] = await Promise.all(['ca.crt', 'admin.crt', 'admin.key'].map((f) => readFile(path.join(pki, f))))
    const url = new URL('/api/v1/namespaces/default/pods/waits-measure', state.server)
    const httpsGet = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = https.get(url, { ca, cert, key, agent: false }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        })
        req.on('error', reject)
      })
    const direct: number[] = []
    for (let i = 0; i < 7; i++) {
      const t = performance.now()
      expect(await httpsGet()).toBe(200)
      direct.push(performance.now() - t)
    }
    direct.sort((a, b) => a - b)
    process.stderr.write(
      `[waits] one HTTPS GET of the Pod: median ${direct[3]?.toFixed(1)} ms (min ${direct[0]?.toFixed(1)}, max ${direct[6]?.toFixed(1)})\n`,
    )
    await k('delete', 'pod/waits-measure', '--wait=true', '--timeout=60s')
  }, 120_000)
})
