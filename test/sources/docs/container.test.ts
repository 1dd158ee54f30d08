// A docs page's lines typed in a container: docs → Markdown blocks (`in POD [container C]`) → steps that
// carry their container and their recorded output; the line that opens the shell stays prose; a prompt no
// line opened a shell for is refused; lines that want a terminal are rewritten or left to the reader.
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { WalkthroughError, exitCodeFor } from '../../../src/core/errors.js'
import { commandOf, type Step } from '../../../src/core/step.js'
import { detachedRun, unattended } from '../../../src/sources/docs/interactive.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { captureIo, main } from '../../helpers.js'
import { testDir } from '../../temp-dir.js'

const page = (body: string): string => `---\ntitle: A page\ncontent_type: task\n---\n\n{{< note >}}\nx\n{{< /note >}}\n\n${body}`
const listing = { cluster: { name: 'lab', server: '' }, namespace: 'default' }
const line = (s: Step): string => commandOf(s, listing)
const stepsOf = (body: string): readonly Step[] => markdownWalkthrough('p.md', page(body)).steps

describe('lines typed in a container become steps that run there', () => {
  const body = [
    'Get a shell:',
    '',
    '```shell',
    'kubectl exec -it web -c nginx -- /bin/bash',
    '```',
    '',
    'In your shell, list the root directory:',
    '',
    '```shell',
    'root@web:/# cd /tmp',
    'root@web:/# X=1; pwd; echo $X',
    '/tmp',
    '1',
    'root@web:/# ls /',
    'bin',
    'etc',
    'root@web:/# exit',
    '```',
    '',
    '```shell',
    'kubectl get pods',
    '```',
  ].join('\n')

  it("each output ends a step; the exec -it line is prose; exit is a step of its own; the next host line is the host's", () => {
    const steps = stepsOf(body)
    expect(steps.map((s) => [line(s), s.container])).toEqual([
      ['cd /tmp\nX=1; pwd; echo $X', { pod: 'web', container: 'nginx' }],
      ['ls /', { pod: 'web', container: 'nginx' }],
      ['exit', { pod: 'web', container: 'nginx' }],
      ['kubectl get pods', undefined],
    ])
  })
  it('their recordings are compared like any step’s, against what the block printed', () => {
    const w = markdownWalkthrough('p.md', page(body))
    const [first, second] = w.steps as [Step, Step]
    expect(w.recorded?.()[first.id]?.stdout).toBe('/tmp\n1')
    expect(w.recorded?.()[second.id]?.stdout).toBe('bin\netc')
    const ok = first.check(first.parse({ stdout: '/tmp\n1\n', stderr: '', exitCode: 0 }, ctx()), ctx())
    const bad = first.check(first.parse({ stdout: '/root\n1\n', stderr: '', exitCode: 0 }, ctx()), ctx())
    expect([ok.every((a) => a.ok), bad.every((a) => a.ok)]).toEqual([true, false])
  })
  it('what they set is the container shell’s: no walkthrough variable, no read of a host variable, nothing tracked', () => {
    const w = markdownWalkthrough('p.md', page(`\`\`\`shell\nX=host\n\`\`\`\n\n${body}`))
    expect(w.vars.map((v) => v.name)).toEqual(['X'])
    const inside = w.steps.filter((s) => s.container !== undefined)
    expect(inside.map((s) => [s.reads.length, s.writes, s.sets, s.tracks, s.participantCheck])).toEqual(
      inside.map(() => [0, undefined, undefined, undefined, undefined]),
    )
  })
  it('`/ # ` prompts after `kubectl exec -it POD -- sh` in the same block, without a container', () => {
    const steps = stepsOf('```shell\nkubectl exec -it shell-demo -- sh\n/ # hostname\nshell-demo\n```\n')
    expect(steps.map((s) => [line(s), s.container])).toEqual([['hostname', { pod: 'shell-demo' }]])
  })
})

describe('a shell `kubectl run -it` opens', () => {
  it.each([
    ['kubectl run -it --rm lg --image=busybox --restart=Never -- sh', 'kubectl run lg --image=busybox', 'sh', 'lg'],
    [
      'kubectl run -i --tty load-generator --rm --image=busybox:1.28 --restart Never /bin/sh',
      'kubectl run load-generator --image=busybox:1.28',
      '/bin/sh',
      'load-generator',
    ],
  ])('%s: its Pod is made with the shell waiting, then waited for', (text, kept, shell, pod) => {
    expect(detachedRun(text)).toBe(
      `${kept} --restart=Never --command -- ${shell} -c 'trap "exit 0" TERM; while :; do sleep 1; done'\nkubectl wait --for=condition=Ready pod/${pod} --timeout=60s`,
    )
  })
  it('on a page: that host step, then the lines typed in it run in its session', () => {
    const steps = stepsOf('```shell\nkubectl run -it --rm lg --image=busybox --restart=Never -- sh\n/ # hostname\nlg\n```\n')
    expect(steps.map((s) => [line(s).split('\n')[0], s.container])).toEqual([
      [expect.stringMatching(/^kubectl run lg --image=busybox --restart=Never --command -- sh -c /), undefined],
      ['hostname', { pod: 'lg' }],
    ])
    expect(steps[0]?.notes).toContainEqual(expect.stringMatching(/run as a Pod whose shell waits/))
    expect(detachedRun('kubectl exec -it lg -- sh')).toBeUndefined()
  })
})

describe('a container prompt no line opened a shell for', () => {
  const orphan = page('Then:\n\n```shell\n/ # cat /etc/resolv.conf\n```\n')
  it('is refused naming file:line (exit 2), never made a host step', () => {
    let error: unknown
    try {
      markdownWalkthrough('p.md', orphan)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(WalkthroughError)
    expect((error as WalkthroughError).message).toMatch(
      /^p\.md:13: "\/ # cat \/etc\/resolv\.conf" is typed at a container's prompt, but no line before it opens a shell in a container/,
    )
    expect(exitCodeFor((error as WalkthroughError).code)).toBe(2)
  })
  it('`kubewalk run` on such a page exits 2 and runs nothing on the host', async () => {
    const dir = await testDir('kubewalk-orphan-')
    const sentinel = join(dir, 'ran-on-host')
    const file = join(dir, 'page.md')
    await writeFile(file, page(`\`\`\`shell\ntouch ${sentinel}.before\n\`\`\`\n\n\`\`\`shell\n/ # touch ${sentinel}\n\`\`\`\n`))
    const io = captureIo({ ...process.env, KUBECONFIG: join(dir, 'none') })
    expect(await main(['run', '--walkthrough', file], io.sinks)).toBe(2)
    expect(io.err()).toMatch(/page\.md:\d+: "\/ # touch .*" is typed at a container's prompt/)
    expect([existsSync(sentinel), existsSync(`${sentinel}.before`)]).toEqual([false, false])
  })
})

describe('lines that want a terminal or the reader', () => {
  it.each([
    ['kubectl exec -it p -- printenv', { run: 'kubectl exec -i p -- printenv' }],
    ["kubectl exec -it p -c c -- /bin/sh -c 'echo $X'", { run: "kubectl exec -i p -c c -- /bin/sh -c 'echo $X'" }],
    ['kubectl exec p --stdin --tty -- ls', { run: 'kubectl exec p --stdin -- ls' }],
    [
      'kubectl run -it --rm t --image=busybox --restart=Never -- nslookup web',
      { run: 'kubectl run -i --rm t --image=busybox --restart=Never -- nslookup web' },
    ],
    ['kubectl attach -it web', { manual: /kubectl attach -it hands your terminal/ }],
    ['kubectl attach web -c c -i -t', { manual: /kubectl attach -it/ }],
    ['kubectl edit deployment/web', { manual: /kubectl edit opens an editor/ }],
    ['vi /etc/nginx/nginx.conf', { manual: /vi is an editor/ }],
    ['/usr/bin/nano notes.txt', { manual: /nano is an editor/ }],
    ['read -p "name? " NAME', { manual: /read waits for a line you type/ }],
    ['top', { manual: /top redraws/ }],
    ['kubectl exec -it p -- sh', undefined],
    ['kubectl exec p -- ls', undefined],
    ['kubectl attach web', undefined],
    ['kubectl get pods', undefined],
    ['echo vi', undefined],
  ])('%s', (text, expected) => {
    const got = unattended(text)
    if (expected === undefined) return expect(got).toBeUndefined()
    if ('run' in expected) return expect(got).toEqual({ run: expected.run, note: expect.stringMatching(/without a terminal/) })
    expect(got).toEqual({ manual: expect.stringMatching(expected.manual) })
  })
  it('on a page: the rewritten line runs, its note says so; an editor is a manual step, alone, on the host or in the container', () => {
    const steps = stepsOf(
      '```shell\nkubectl exec -it p -- printenv\nkubectl edit pod p\nkubectl get pods\n```\n\n```shell\nkubectl exec -it p -- sh\n/ # vi /tmp/x\n/ # cat /tmp/x\n```\n',
    )
    expect(steps.map((s) => [line(s), s.manual !== undefined, s.container?.pod])).toEqual([
      ['kubectl exec -i p -- printenv', false, undefined],
      ['kubectl edit pod p', true, undefined],
      ['kubectl get pods', false, undefined],
      ['vi /tmp/x', true, 'p'],
      ['cat /tmp/x', false, 'p'],
    ])
    expect(steps[0]?.notes).toContainEqual(expect.stringMatching(/run as `kubectl exec -i` without a terminal/))
  })
})

function ctx() {
  return { vars: {}, cluster: listing.cluster, clusters: [listing.cluster], namespace: 'default', settings: {}, values: new Map(), now: new Date() }
}
