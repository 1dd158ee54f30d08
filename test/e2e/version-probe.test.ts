// The preflight against the real lab: its version comes over HTTPS from kubewalk itself (the lab's kubeconfig holds a
// CA and a client certificate), and the kubectl is started once per binary for its client version, then never again.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { probeVersions, resolveTarget } from '../../src/platform/kubeconfig.js'
import { kubectl, labKubectl } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')

describe.skipIf(kubeconfig === '')(`the version probe against the lab ${skipReason}`, () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubewalk-probe-e2e-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  it('reads the server version in-process and the client version from its cache: no kubectl starts on the second run', async () => {
    const calls = join(dir, 'calls')
    // A kubectl that logs each start, then is the lab's own.
    await writeFile(join(dir, 'kubectl'), `#!/bin/sh\necho "$*" >> ${calls}\nexec ${labKubectl()} "$@"\n`)
    await chmod(join(dir, 'kubectl'), 0o755)
    const env = { PATH: `${dir}:/usr/bin:/bin`, XDG_CACHE_HOME: join(dir, 'cache'), HOME: dir }
    const expected = JSON.parse((await kubectl(kubeconfig, ['version', '-o', 'json'])).stdout) as {
      serverVersion: { gitVersion: string }
      clientVersion: { gitVersion: string }
    }
    const t = await resolveTarget({ kubeconfig, env })
    const first = await probeVersions(t, { env, timeoutMs: 15_000 })
    expect(first).toEqual({ server: expected.serverVersion.gitVersion, client: expected.clientVersion.gitVersion })
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toEqual(['version --client -o json'])
    const second = await probeVersions(t, { env, timeoutMs: 15_000 })
    expect(second).toEqual(first)
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toHaveLength(1)
    await t.dispose()
  })
})
