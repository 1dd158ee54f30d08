// What a page needs beyond the API, said in one line before step 01, on the shared lab (a kubewalk lab,
// reached through its kubeconfig as a user would: no metrics-server, no StorageClass, no cloud provider).
// Nothing runs: the cluster is the same after.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { labBinDir } from '../../src/platform/lab/index.js'
import { kubewalk } from './cli.js'
import { kubectl } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const labVersion = inject('labVersion')
const skipReason = inject('labSkipReason')
const F = '```'

let dir: string
let env: Record<string, string>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-needs-'))
  const bin = join(dir, 'bin')
  await mkdir(bin)
  if (kubeconfig !== '') await symlink(join(labBinDir(labVersion), 'kubectl'), join(bin, 'kubectl'))
  env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, KUBECONFIG: kubeconfig, KUBERC: 'off', XDG_CACHE_HOME: join(dir, 'cache') }
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

async function page(name: string, text: string): Promise<string> {
  const file = join(dir, `${name}.md`)
  await writeFile(file, text)
  return file
}

describe.skipIf(skipReason !== '')(`needs, said before step 01 (${skipReason || labVersion})`, () => {
  it.each([
    [
      'metrics',
      `${F}bash\nkubectl create configmap needs-metrics --from-literal=a=1\nkubectl top pod\n${F}\n`,
      /needs metrics-server .*does not serve it\.$/,
    ],
    [
      'lb',
      `${F}bash\nkubectl create configmap needs-lb --from-literal=a=1\nkubectl expose deployment web --type=LoadBalancer --port=80\n${F}\n`,
      /needs a LoadBalancer: .*lb\.md:3 asks for it \(a Service of type LoadBalancer\), and the lab has no cloud provider/,
    ],
    [
      'storage',
      `Save as \`pvc.yaml\`:\n\n${F}yaml\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: needs-claim\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n${F}\n\n${F}bash\nkubectl apply -f pvc.yaml\n${F}\n`,
      /needs a default StorageClass .* has no default StorageClass/,
    ],
  ])('%s: exit 2, one line naming it, and nothing created', async (name, text, said) => {
    const r = await kubewalk(['run', '--walkthrough', await page(name, text), '--reporter', 'plain'], env)
    expect(r.exitCode, r.stdout + r.stderr).toBe(2)
    const line = r.stderr.split('\n').find((l) => /needs /.test(l)) ?? ''
    expect(line).toMatch(said)
    const left = await kubectl(kubeconfig, ['get', 'configmap,pvc', '-o', 'name'])
    expect(left.stdout).not.toMatch(/needs-/)
  })
})
