// buildLabBinaries and buildLabKubectl against a stand-in `go` (test/fixtures/lab/fake-go): what lands in bin/, and what does not.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LabError } from '../../../src/core/errors.js'
import { buildLabBinaries, buildLabKubectl, findLabBinaries, findLabKubectl, labBinDir, labCacheDir } from '../../../src/platform/lab/build.js'
import { KUBECTL_STAMP_FILE, STAMP_FILE } from '../../../src/platform/lab/stamp.js'
import { captureIo, main } from '../../helpers.js'

const saved = { ...process.env }
let root: string

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kubewalk-build-'))
  const { mkdir, symlink } = await import('node:fs/promises')
  await mkdir(path.join(root, 'path'))
  await symlink(fileURLToPath(new URL('../../fixtures/lab/fake-go', import.meta.url)), path.join(root, 'path', 'go'))
  process.env.PATH = `${path.join(root, 'path')}:${saved.PATH}`
  process.env.XDG_CACHE_HOME = path.join(root, 'cache')
  process.env.FAKE_GO_ROOT = root
  delete process.env.KUBEWALK_LAB_BIN
})
afterEach(async () => {
  for (const key of ['PATH', 'XDG_CACHE_HOME', 'FAKE_GO_ROOT', 'FAKE_GO_MODE', 'KUBEWALK_LAB_BIN']) {
    if (saved[key] === undefined) delete process.env[key]
    else process.env[key] = saved[key]
  }
  await rm(root, { recursive: true, force: true })
})

const calls = async () => (await readFile(path.join(root, 'calls'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)
const workDirs = async (version: string) => (await readdir(labCacheDir(version))).filter((e) => e.startsWith('.build-'))

describe('buildLabBinaries', () => {
  it('builds into bin/, stamps the build last, and does not build it again', async () => {
    const lines: string[] = []
    const b = await buildLabBinaries({ version: 'v1.28.3', onProgress: (l) => lines.push(l) })
    expect(b.version).toBe('v1.28.3')
    expect(b.dir).toBe(labBinDir('v1.28.3'))
    const stamp = JSON.parse(await readFile(path.join(b.dir, STAMP_FILE), 'utf8'))
    expect(stamp).toMatchObject({ version: 'v1.28.3', commit: 'a8a1abc25cad87333840cd7d54be2efaf31a3177', etcdVersion: 'v3.5.9', go: 'go1.26.8' })
    expect(await findLabBinaries('v1.28.3')).toEqual(b)
    expect(await workDirs('v1.28.3')).toEqual([])

    const builds = (await calls()).filter((c) => c.startsWith('build '))
    expect(builds).toHaveLength(2)
    const kubernetes = builds.find((c) => c.includes('k8s.io/kubernetes/cmd/kubectl'))!
    expect(kubernetes).toContain('k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl')
    expect(kubernetes).toContain('-X k8s.io/client-go/pkg/version.gitCommit=a8a1abc25cad87333840cd7d54be2efaf31a3177')
    expect(lines.at(-1)).toMatch(/^lab binaries for Kubernetes v1\.28\.3 built in \d+s \(download \d+s, etcd \d+s, kubernetes \d+s alongside\)$/)
    expect(JSON.parse(await readFile(path.join(labCacheDir('v1.28.3'), 'build-times.json'), 'utf8'))).toMatchObject({
      version: 'v1.28.3',
      compiled: { etcd: 3, kubernetes: 7 },
    })

    const before = (await calls()).length
    const again: string[] = []
    await buildLabBinaries({ version: 'v1.28.3', onProgress: (l) => again.push(l) })
    expect(again).toEqual([`lab binaries for Kubernetes v1.28.3 already built in ${b.dir}`])
    expect((await calls()).length).toBe(before)
  })

  it('names the components, the first compiler error and the log when go build fails, and installs nothing', async () => {
    process.env.FAKE_GO_MODE = 'fail'
    const error = (await buildLabBinaries({ version: 'v1.33.13' }).catch((e: unknown) => e)) as LabError
    expect(error).toBeInstanceOf(LabError)
    const log = path.join(labCacheDir('v1.33.13'), 'logs', 'build-kubernetes.log')
    expect(error.message).toBe(
      `Building kube-apiserver, kube-controller-manager, kubectl of Kubernetes v1.33.13 failed (go exited with 1): k8s.io/apiserver@v0.28.3/pkg/x/x.go:12:7: undefined: y; see ${log}.`,
    )
    expect(error.logFile).toBe(log)
    expect(await readdir(labBinDir('v1.33.13'))).toEqual([])
    expect(await workDirs('v1.33.13')).toEqual([])
  })

  it('leaves no binary and no stamp when cancelled mid-build, and builds afresh next time', async () => {
    process.env.FAKE_GO_MODE = 'hang'
    const ac = new AbortController()
    const lines: string[] = []
    const building = buildLabBinaries({ version: 'v1.33.13', signal: ac.signal, progressEveryMs: 2_000, onProgress: (l) => lines.push(l) })
    const work = async () => (await workDirs('v1.33.13').catch(() => []))[0]
    // Wait until go has written a partial kube-apiserver into the work directory.
    for (let i = 0; i < 100 && !(await work().then((w) => w && existsSync(path.join(labCacheDir('v1.33.13'), w, 'kube-apiserver')))); i++)
      await new Promise((r) => setTimeout(r, 100))
    await new Promise((r) => setTimeout(r, 2_500))
    ac.abort()
    const error = (await building.catch((e: unknown) => e)) as LabError
    expect(error.message).toBe(`Building Kubernetes v1.33.13 was cancelled; nothing was installed in ${labBinDir('v1.33.13')}.`)
    expect(await readdir(labBinDir('v1.33.13'))).toEqual([])
    expect(await workDirs('v1.33.13')).toEqual([])
    expect(
      lines.some((l) =>
        /^kubernetes: kube-apiserver 2\/3( linked)?, kube-controller-manager 2\/3, kubectl 2\/3 \(\d+% compiled\), \ds; log: /.test(l),
      ),
      lines.join('\n'),
    ).toBe(true)

    process.env.FAKE_GO_MODE = 'ok'
    expect((await buildLabBinaries({ version: 'v1.33.13' })).version).toBe('v1.33.13')
  }, 20_000)
})

describe('buildLabKubectl', () => {
  const flags = (call: string) => call.replace(/ -o \S+ .*$/, '')

  it("builds kubectl alone into bin/ with the lab build's flags, stamps it, finds it, and does not build it again", async () => {
    const lines: string[] = []
    const kubectl = await buildLabKubectl({ version: 'v1.32.13', onProgress: (l) => lines.push(l) })
    expect(kubectl).toBe(path.join(labCacheDir('v1.32.13'), 'bin', 'kubectl'))
    expect(await readdir(path.dirname(kubectl))).toEqual([KUBECTL_STAMP_FILE, 'kubectl'])
    expect(JSON.parse(await readFile(path.join(path.dirname(kubectl), KUBECTL_STAMP_FILE), 'utf8'))).toMatchObject({
      version: 'v1.32.13',
      commit: 'a8a1abc25cad87333840cd7d54be2efaf31a3177',
      go: 'go1.26.8',
    })
    expect(await findLabKubectl('v1.32.13')).toBe(kubectl)
    expect(await findLabBinaries('v1.32.13')).toBeUndefined()
    expect(await workDirs('v1.32.13')).toEqual([])
    expect(lines.at(-1)).toMatch(/^kubectl v1\.32\.13 built in \d+s \(3 of 3 packages compiled, the rest from go's build cache\)$/)

    const builds = (await calls()).filter((c) => c.startsWith('build '))
    expect(builds).toHaveLength(1)
    expect(builds[0]).toMatch(/ -o \S+\/kubectl k8s\.io\/kubernetes\/cmd\/kubectl$/)
    expect(builds[0]).toContain('-X k8s.io/client-go/pkg/version.gitVersion=v1.32.13')

    const before = (await calls()).length
    const again: string[] = []
    expect(await buildLabKubectl({ version: 'v1.32.13', onProgress: (l) => again.push(l) })).toBe(kubectl)
    expect(again).toEqual([`kubectl v1.32.13 already built: ${kubectl}`])
    expect((await calls()).length).toBe(before)

    // A lab build of the release afterwards replaces it, and is the one found.
    await buildLabBinaries({ version: 'v1.32.13' })
    const full = (await calls()).filter((c) => c.startsWith('build ') && c.includes('k8s.io/kubernetes/cmd/kube-apiserver')).at(-1)!
    expect(flags(full)).toBe(flags(builds[0]!))
    expect(await readdir(path.dirname(kubectl))).not.toContain(KUBECTL_STAMP_FILE)
    expect(await findLabKubectl('v1.32.13')).toBe(kubectl)
  })

  it('is `lab build --kubectl-only`: prints the directory that holds kubectl, and builds nothing else', async () => {
    const t = captureIo({ ...process.env })
    expect(await main(['lab', 'build', '--version', 'v1.28.3', '--kubectl-only'], t.sinks)).toBe(0)
    expect(t.out()).toBe(`${path.join(labCacheDir('v1.28.3'), 'bin')}\n`)
    expect(t.err()).toMatch(/^building kubectl v1\.28\.3 alone into /)
    expect((await calls()).filter((c) => c.startsWith('build '))).toEqual([expect.stringMatching(/ k8s\.io\/kubernetes\/cmd\/kubectl$/)])
  })

  it("finds a lab build's kubectl and builds nothing", async () => {
    const b = await buildLabBinaries({ version: 'v1.28.3' })
    const before = (await calls()).length
    expect(await buildLabKubectl({ version: 'v1.28.3' })).toBe(b.kubectl)
    expect((await calls()).length).toBe(before)
  })

  it('names the first compiler error and installs nothing when kubectl does not compile', async () => {
    process.env.FAKE_GO_MODE = 'fail'
    const error = (await buildLabKubectl({ version: 'v1.32.13' }).catch((e: unknown) => e)) as LabError
    const log = path.join(labCacheDir('v1.32.13'), 'logs', 'build-kubectl.log')
    expect(error.message).toBe(
      `Building kubectl of Kubernetes v1.32.13 failed (go exited with 1): k8s.io/apiserver@v0.28.3/pkg/x/x.go:12:7: undefined: y; see ${log}.`,
    )
    expect(error.logFile).toBe(log)
    expect(await readdir(path.join(labCacheDir('v1.32.13'), 'bin'))).toEqual([])
    expect(await findLabKubectl('v1.32.13')).toBeUndefined()
  })
})
