// Lines a docs page types in a container's shell, run there for real (root only): a lab with a node runs a Pod from a
// busybox-static stand-in image, and `kubewalk run` on a docs-style page sends the lines after `/ # ` to one
// `kubectl exec -i POD -- sh` session: `cd` and variables carry, `$X` is the container's, `hostname` is the Pod's,
// a file written there is not on the host, `exit` ends the session, and nothing of it is left running afterwards.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_LAB_VERSION, ensureLabBinaries, ensureNode, labDown, labUp, type LabState } from '../../src/platform/lab/index.js'
import { cacheImage, cachedImages, type CachedImage } from '../../src/platform/lab/node/image-cache.js'
import { buildImage } from '../../src/platform/lab/node/images.js'
import { kubewalk, type JsonReport } from './cli.js'
import { isCI } from './global-setup.js'

const version = process.env.KUBEWALK_LAB_VERSION || DEFAULT_LAB_VERSION
const IMAGE = 'docker.io/kubewalk-e2e/shell:1'
const APPLETS = ['sh', 'hostname', 'ls', 'cat', 'sleep', 'pwd', 'echo']

/** Debian's busybox-static as a one-layer image whose process waits (and ends on SIGTERM): a container to get a shell in. */
async function standInShell(dir: string): Promise<string> {
  const rootfs = path.join(dir, 'shell-rootfs')
  await mkdir(path.join(rootfs, 'bin'), { recursive: true })
  await mkdir(path.join(rootfs, 'tmp'))
  await copyFile('/bin/busybox', path.join(rootfs, 'bin', 'busybox'))
  for (const a of APPLETS) await symlink('busybox', path.join(rootfs, 'bin', a))
  const tarball = path.join(dir, 'shell.tar')
  // As PID 1 a plain `sleep` ignores SIGTERM, and the Pod's deletion would wait out its 30 s grace period.
  await buildImage(rootfs, tarball, IMAGE, { entrypoint: ['/bin/busybox', 'sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'] })
  return tarball
}

/** Pids whose command line mentions `text` (a `kubectl exec` left running would). */
async function processesWith(text: string): Promise<string[]> {
  const found: string[] = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ')
    if (cmd.includes(text)) found.push(`${pid} ${cmd.trim()}`)
  }
  return found
}

const root = process.getuid?.() === 0
if (!root && isCI()) throw new Error(`CI=${process.env.CI} but not root: the node tests must not be skipped under CI`)

describe.skipIf(!root)(
  root ? `lines typed in a container, on a lab with a node (${version})` : 'lines typed in a container (skipped: needs root)',
  () => {
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
      parent = await mkdtemp(path.join(tmpdir(), 'kubewalk-container-e2e-'))
      dir = path.join(parent, 'lab')
      const tarball = await standInShell(parent)
      const cachedBefore = new Set((await cachedImages()).map((c) => c.file))
      image = await cacheImage(tarball)
      imageWasCached = cachedBefore.has(image.file)
      state = await labUp({ dir, binaries, node, onProgress: (line) => process.stderr.write(`[container lab] ${line}\n`) })
    }, 1_200_000)

    afterAll(async () => {
      if (dir) await labDown({ dir })
      if (parent) await rm(parent, { recursive: true, force: true })
      if (image && !imageWasCached) await rm(image.file, { force: true })
    })

    it('runs the page’s in-container lines in one session in the Pod’s container, and leaves nothing running', async () => {
      const marker = `kubewalk-e2e-${randomBytes(6).toString('hex')}`
      const page = [
        '---',
        'title: Get a shell to a running container',
        'content_type: task',
        '---',
        '',
        '{{< note >}}',
        'A stand-in page in the Kubernetes docs dialect.',
        '{{< /note >}}',
        '',
        '```shell',
        'kubectl run shell-demo --image=kubewalk-e2e/shell:1 --restart=Never',
        'kubectl wait --for=condition=Ready pod/shell-demo --timeout=60s',
        'X=host',
        '```',
        '',
        'Get a shell to the running container:',
        '',
        '```shell',
        'kubectl exec -it shell-demo -- sh',
        '```',
        '',
        'In your shell:',
        '',
        '```shell',
        '/ # echo "[$X]"',
        '[]',
        '/ # cd /tmp',
        '/ # X=1; pwd; echo $X',
        '/tmp',
        '1',
        '/ # hostname',
        'shell-demo',
        `/ # echo in-container > ${marker}; ls /tmp`,
        marker,
        '/ # exit',
        '```',
        '',
        'A Pod made for its shell:',
        '',
        '```shell',
        'kubectl run -it --rm lg --image=kubewalk-e2e/shell:1 --restart=Never -- sh',
        '/ # hostname',
        'lg',
        '/ # exit',
        '```',
        '',
        '```shell',
        `echo "$X"; ls /tmp/${marker} || echo not-on-host`,
        '```',
        '',
      ].join('\n')
      const file = path.join(parent, 'page.md')
      await writeFile(file, page)
      const r = await kubewalk(['run', '--walkthrough', file, '--kubeconfig', state.kubeconfig, '--kubectl', kubectl, '--reporter', 'json'])
      const report = JSON.parse(r.stdout) as Omit<JsonReport, 'steps'> & { steps: (JsonReport['steps'][number] & { container?: { pod: string } })[] }
      expect(report.steps.map((s) => [s.status, s.container?.pod, s.output.stdout])).toEqual([
        ['passed', undefined, expect.stringContaining('pod/shell-demo created')],
        ['passed', 'shell-demo', '[]\n'],
        ['passed', 'shell-demo', '/tmp\n1\n'],
        ['passed', 'shell-demo', 'shell-demo\n'],
        ['passed', 'shell-demo', `${marker}\n`],
        ['passed', 'shell-demo', ''],
        ['passed', undefined, expect.stringContaining('pod/lg condition met')],
        ['passed', 'lg', 'lg\n'],
        ['passed', 'lg', ''],
        ['passed', undefined, 'host\nnot-on-host\n'],
      ])
      expect(r.exitCode, `${JSON.stringify(report.cleanup)}\n${r.stderr}`).toBe(0)
      expect(existsSync(path.join('/tmp', marker))).toBe(false)
      const inside = report.steps.filter((s) => s.container !== undefined)
      process.stderr.write(`[container lab] in-container steps: ${inside.map((s) => `${s.durationMs} ms`).join(', ')}; the run ${r.durationMs} ms\n`)
      // The Pod the page made is gone with the run, and no `kubectl exec` of it is left running.
      expect(report.cleanup.map((c) => [c.describe, c.status])).toContainEqual([expect.stringContaining('shell-demo'), 'done'])
      expect(report.cleanup.map((c) => [c.describe, c.status])).toContainEqual([expect.stringContaining('pod/lg'), 'done'])
      expect(await processesWith('exec -i shell-demo')).toEqual([])
      expect(await processesWith('exec -i lg')).toEqual([])
    }, 300_000)
  },
)
