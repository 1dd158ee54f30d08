// The runner sends a line typed in a container to the run's session there, not to the host's shell. A
// stand-in `kubectl` first on PATH answers only `kubectl exec -i POD [-c C] -- sh` by starting a local sh
// in a folder of its own (the "container"), so what is tested is kubewalk's logic: which line goes where,
// one session per container, `exit`, sessions closed on every path.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run, type RunResult } from '../../src/engine/runner.js'
import { markdownWalkthrough } from '../../src/sources/markdown/index.js'
import { articleCluster, kubeconfigYaml, liveProcesses } from '../helpers.js'
import { testDir } from '../temp-dir.js'

const STAND_IN = `#!/bin/sh
echo "$KUBECONFIG $*" >> "$LOG"
[ "$1" = exec ] && [ "$2" = -i ] || { echo "stand-in: unexpected kubectl $*" >&2; exit 9; }
pod=$3; shift 3
c=; if [ "$1" = -c ]; then c=$2; shift 2; fi
[ "$1" = -- ] && [ "$2" = sh ] || { echo "stand-in: not a shell" >&2; exit 9; }
mkdir -p "$ROOT/$pod" && cd "$ROOT/$pod" || exit 9
IN_CONTAINER="$pod\${c:+/$c}" exec sh -s "$ROOT"
`

const page = (body: string): string => `---\ntitle: In a container\ncontent_type: task\n---\n\n{{< note >}}\nx\n{{< /note >}}\n\n${body}`

async function runPage(
  body: string,
  extra: { commandTimeoutMs?: number } = {},
): Promise<{ r: RunResult; log: string[]; root: string; kubeconfig: string }> {
  const dir = await testDir('kubewalk-runner-container-')
  const bin = join(dir, 'bin')
  const root = join(dir, 'containers')
  await mkdir(bin)
  await mkdir(root)
  await writeFile(join(bin, 'kubectl'), STAND_IN)
  await chmod(join(bin, 'kubectl'), 0o755)
  const kubeconfig = join(dir, 'kubeconfig')
  await writeFile(kubeconfig, kubeconfigYaml([articleCluster]))
  const log = join(dir, 'log')
  await writeFile(log, '')
  const w = markdownWalkthrough(join(dir, 'page.md'), page(body))
  const r = await run({
    steps: w.steps,
    cluster: articleCluster,
    clusters: [articleCluster],
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, KUBECONFIG: kubeconfig, LOG: log, ROOT: root },
    ...extra,
  })
  const lines = (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '')
  return { r, log: lines, root, kubeconfig }
}

const shellPage = [
  '```shell',
  'MARK=host',
  '```',
  '',
  '```shell',
  'kubectl exec -it web -c nginx -- sh',
  '/ # echo "[$MARK] $IN_CONTAINER"',
  '[] web/nginx',
  '/ # mkdir -p d && cd d',
  '/ # X=1; basename "$(pwd)"; echo $X',
  'd',
  '1',
  '/ # exit',
  '```',
  '',
  'Open it again:',
  '',
  '```shell',
  'kubectl exec -it web -c nginx -- sh',
  '/ # echo "[$X]"; basename "$(pwd)"',
  '[]',
  'web',
  '```',
  '',
  '```shell',
  'echo "$MARK"; test -e d || echo no-d-here',
  '```',
  '',
  'The output is similar to:',
  '',
  '```',
  'host',
  'no-d-here',
  '```',
].join('\n')

describe('lines typed in a container', () => {
  it('run in its session (cd and variables carry, $X is the container’s), exit ends it, the host line runs on the host', async () => {
    const { r, log, root, kubeconfig } = await runPage(shellPage)
    expect(r.steps.map((s) => [s.status, s.container, s.output.stdout])).toEqual([
      ['passed', undefined, ''],
      ['passed', { pod: 'web', container: 'nginx' }, '[] web/nginx\n'],
      ['passed', { pod: 'web', container: 'nginx' }, 'd\n1\n'],
      ['passed', { pod: 'web', container: 'nginx' }, ''],
      ['passed', { pod: 'web', container: 'nginx' }, '[]\nweb\n'],
      ['passed', undefined, 'host\nno-d-here\n'],
    ])
    expect(r.status).toBe('passed')
    expect(r.steps[3]?.notes).toContainEqual(expect.stringMatching(/ends the shell in web\/nginx/))
    // One `kubectl exec -i` per session: the first, and the one after exit; run with the run's own kubeconfig copy.
    expect(log.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['exec -i web -c nginx -- sh', 'exec -i web -c nginx -- sh'])
    expect(log[0]?.split(' ')[0]).not.toBe(kubeconfig)
    expect(log[0]?.split(' ')[0]).toMatch(/kubewalk-.*\/kubeconfig$/)
    expect(await liveProcesses(root)).toEqual([])
  })
  it('a failing line fails its step, skips the rest, and its session is closed at the end all the same', async () => {
    const { r, root } = await runPage('```shell\nkubectl exec -it web -- sh\n/ # echo in\n/ # false\n```\n\n```shell\necho never\n```\n')
    expect(r.steps.map((s) => [s.status, s.output.stdout])).toEqual([
      ['failed', 'in\n'],
      ['skipped', ''],
    ])
    expect(r.steps[0]?.error?.message).toMatch(/exited with code 1/)
    expect(await liveProcesses(root)).toEqual([])
  })
  it('a line past its timeout is stopped, its shell killed and said so', async () => {
    const { r, root } = await runPage('```shell\nkubectl exec -it web -- sh\n/ # sleep 30\n```\n', { commandTimeoutMs: 500 })
    expect([r.steps[0]?.status, r.steps[0]?.error?.code]).toEqual(['failed', 'E_TIMEOUT'])
    expect(r.steps[0]?.notes).toContainEqual(expect.stringMatching(/stopped at its timeout: the shell in web was killed/))
    expect(await liveProcesses(root)).toEqual([])
  })
  it('a line the reader does by hand is skipped with its reason; the run goes on', async () => {
    const { r } = await runPage('```shell\nkubectl edit pod web\necho after\n```\n')
    expect(r.steps.map((s) => [s.status, s.skippedBecause])).toEqual([
      ['skipped', expect.stringMatching(/kubectl edit opens an editor/)],
      ['passed', undefined],
    ])
    expect(r.status).toBe('passed')
  })
})
