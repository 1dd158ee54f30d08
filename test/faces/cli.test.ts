import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectSteps } from '../../src/faces/commands/common.js'
import { allCommands, flagsOf } from '../../src/faces/commands/table.js'
import { main } from '../helpers.js'
import { captureIo, kubeconfigYaml } from '../helpers.js'
import { steps } from '../../steps/index.js'

const io = (env: Record<string, string | undefined> = process.env) => captureIo(env)

let dir: string
let kubeconfig: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubewalk-cli-'))
  kubeconfig = join(dir, 'config')
  // Port 1 on loopback: nothing listens, so the server is unreachable at once.
  await writeFile(
    kubeconfig,
    kubeconfigYaml([
      { name: 'one', server: 'https://127.0.0.1:1' },
      { name: 'two', server: 'https://127.0.0.1:2' },
    ]),
  )
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('kubewalk CLI', () => {
  it('--help has a usage line for every command and a line for every flag run, drift and check parse', async () => {
    const t = io()
    expect(await main(['--help'], t.sinks)).toBe(0)
    const help = t.out()
    // Each command starts its own usage line; each flag starts its own option line.
    for (const command of [
      'run',
      'drift',
      'check',
      'list',
      'token',
      'matrix',
      'class',
      'new',
      'record',
      'test',
      'lab build',
      'lab up',
      'lab status',
      'lab down',
    ]) {
      expect(help).toMatch(new RegExp(`^  kubewalk ${command}\\b`, 'm'))
    }
    const { RUN_FLAGS } = await import('../../src/faces/commands/flags.js')
    // --solution is check's own, on its usage line; every other flag has an option line.
    for (const flag of Object.keys(RUN_FLAGS).filter((f) => f !== 'solution')) expect(help, flag).toMatch(new RegExp(`^  --${flag}\\b`, 'm'))
    expect(help).toMatch(/^ {2}kubewalk check ID \[--solution\]/m)
    // The default walkthrough's settings, from its declaration.
    expect(help).toMatch(/^ {2}--token-lifetime N +the lifetime the server gives a token without --duration, in seconds \(default 3600\)$/m)
  })

  it('--help has a line for every flag serve and class --serve add', async () => {
    const t = io()
    expect(await main(['--help'], t.sinks)).toBe(0)
    const { SERVE_FLAGS } = await import('../../src/faces/commands/flags.js')
    for (const flag of Object.keys(SERVE_FLAGS)) expect(t.out(), flag).toMatch(new RegExp(`^  --${flag}\\b`, 'm'))
    expect(t.out()).toMatch(/^ {2}kubewalk serve \[run's options\]/m)
    expect(t.out()).toMatch(/^ {16}\[--serve \[--port P\]/m)
    expect(t.out()).toMatch(/^ {2}kubewalk check --forget/m)
  })

  it('bare kubewalk prints the help to stderr and exits 2', async () => {
    const whole = io()
    await main(['--help'], whole.sinks)
    const bare = io()
    expect(await main([], bare.sinks)).toBe(2)
    expect(bare.out()).toBe('')
    expect(bare.err()).toBe(whole.out())
  })

  it.each(allCommands().map(({ name, command }) => [name, command] as const))(
    '%s --help, -h and `kubewalk help %s`: exit 0, its usage and every flag it takes',
    async (name, command) => {
      const words = name.split(' ')
      const t = io()
      expect(await main([...words, '--help'], t.sinks)).toBe(0)
      expect(t.err()).toBe('')
      const text = t.out()
      expect(text).toMatch(/^Usage:\n {2}kubewalk /)
      expect(text).toContain(`kubewalk ${command.usage[0]?.replace(/^kubewalk /, '')}`)
      for (const flag of Object.keys(flagsOf(command))) expect(text, flag).toMatch(new RegExp(`^  --${flag}\\b`, 'm'))
      // The command's own help, not the whole (which lists every command).
      expect(text).not.toContain('Options for serve (and class --serve)')
      const short = io()
      expect(await main([...words, '-h'], short.sinks)).toBe(0)
      expect(short.out()).toBe(text)
      if (!name.includes('--')) {
        const asked = io()
        expect(await main(['help', ...words], asked.sinks)).toBe(0)
        expect(asked.out()).toBe(text)
      }
    },
  )

  it("help with an unknown command is a usage error; a subcommand shows its own flags, not its siblings'", async () => {
    const t = io()
    expect(await main(['help', 'nope'], t.sinks)).toBe(2)
    expect(t.err()).toBe('kubewalk: no command "nope"; see kubewalk --help.\n')
    const up = io()
    expect(await main(['lab', 'up', '--help'], up.sinks)).toBe(0)
    expect(up.out()).toContain('--cluster-name NAME')
    expect(up.out()).not.toContain('--kubectl-only')
    // --help after -- is an argument, not a request for help.
    const after = io()
    expect(await main(['import', '--', '--help'], after.sinks)).toBe(2)
  })

  it('the table rules a conflict once for every command that takes both flags', async () => {
    for (const command of ['run', 'drift', 'serve', 'record', 'matrix']) {
      const t = io()
      expect(await main([command, '--namespace', 'x', '--isolate'], t.sinks), command).toBe(2)
      expect(t.err()).toBe('kubewalk: --namespace and --isolate both choose the namespace; give one.\n')
    }
  })

  it('--help shows the walkthrough --walkthrough names', async () => {
    // --help of another walkthrough shows its settings and variables instead.
    const other = io()
    expect(await main(['run', '--walkthrough', 'rbac-pods', '--help'], other.sinks)).toBe(0)
    expect(other.out()).toMatch(/^Steps that read a variable of rbac-pods \(\$APISERVER, \$NAMESPACE, \$TOKEN\)/m)
    expect(other.out()).not.toContain('--token-lifetime')
  })

  it.each([
    [['--kubectl', '/nonexistent/kubectl'], /^kubewalk: --kubectl \/nonexistent\/kubectl: no such file \(\/nonexistent\/kubectl\)\.$/],
    [
      ['--kubectl', '/bin/true'],
      /^kubewalk: --kubectl \/bin\/true: not a kubectl \(`\/bin\/true version --client -o json` printed no client version\)\.$/,
    ],
    [['--lab-version', 'v1.28.3'], /^kubewalk: --lab-version goes with --lab\.$/],
    [['--node'], /^kubewalk: --node goes with --lab \(a cluster of your own brings its own nodes\)\.$/],
  ])('run %j: one line, exit 2, before any cluster is touched', async (args, message) => {
    const t = io()
    expect(await main(['run', '--kubeconfig', kubeconfig, ...args], t.sinks)).toBe(2)
    expect(t.err().trimEnd()).toMatch(message)
    expect(t.err().trimEnd().split('\n')).toHaveLength(1)
  })

  it('lab down on a directory with no lab says so and succeeds (down twice is fine)', async () => {
    const t = io()
    expect(await main(['lab', 'down', '--dir', join(dir, 'never-a-lab')], t.sinks)).toBe(0)
    expect(t.err()).toBe(`no lab in ${join(dir, 'never-a-lab')}: nothing to stop\n`)
  })

  it('list shows the walkthroughs, then the 14 steps with their commands; --json is machine-readable', async () => {
    const t = io()
    expect(await main(['list'], t.sinks)).toBe(0)
    expect(t.out()).toMatch(/^ {2}\* article +Calling the Kubernetes API/m)
    expect(t.out()).toMatch(/^ {4}rbac-pods +From 403 to 200/m)
    for (const s of steps) expect(t.out()).toContain(s.id)
    expect(t.out()).toContain('$ TOKEN=$(kubectl create token default)')
    const j = io()
    expect(await main(['list', '--json'], j.sinks)).toBe(0)
    expect(JSON.parse(j.out())).toEqual({
      walkthroughs: [
        { id: 'article', title: 'Calling the Kubernetes API with curl using a ServiceAccount token (the article)', from: 'registry', default: true },
        {
          id: 'rbac-pods',
          title: 'From 403 to 200: let the default ServiceAccount list pods with a Role and a RoleBinding',
          from: 'registry',
          default: false,
        },
        { id: 'pod-token', title: expect.stringMatching(/^The token inside a Pod/), from: 'registry', default: false },
      ],
    })
    const one = io()
    expect(await main(['list', '--walkthrough', 'article', '--json'], one.sinks)).toBe(0)
    const parsed = JSON.parse(one.out()) as {
      walkthrough: { id: string; from: string }
      steps: { id: string; command: string }[]
      vars: { name: string; secret: boolean }[]
    }
    expect(parsed.walkthrough).toMatchObject({ id: 'article', from: 'registry' })
    expect(parsed.steps.map((s) => s.id)).toEqual(steps.map((s) => s.id))
    expect(parsed.steps[1]?.command).toBe('export CLUSTER_NAME="some_server_name"')
    expect(parsed.vars).toEqual([
      { name: 'CLUSTER_NAME', secret: false, describe: expect.any(String) },
      { name: 'APISERVER', secret: false, describe: expect.any(String) },
      { name: 'TOKEN', secret: true, describe: expect.any(String) },
    ])
    const text = io()
    expect(await main(['list', '--walkthrough', 'article'], text.sinks)).toBe(0)
    expect(text.out()).toMatch(/^Variables \(taken from the environment.*\n {2}\$CLUSTER_NAME /m)
    // A walkthrough without variables lists no empty section.
    const page = join(dir, 'plain.md')
    await writeFile(page, '# Plain\n\n```bash\nkubectl get ns\n```\n')
    const plain = io()
    expect(await main(['list', '--walkthrough', page], plain.sinks)).toBe(0)
    expect(plain.out()).toContain('$ kubectl get ns')
    expect(plain.out()).not.toContain('Variables')
  })

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', '--only', 'nope'], /--only nope: no such step \(numbers 01 to 14; ids: list-clusters,/],
    [['run', '--only', '15'], /--only 15: no such step \(numbers 01 to 14;/],
    [['run', '--from', 'call-api-revoked', '--to', 'call-api'], /--from call-api-revoked comes after --to call-api/],
    [['run', '--reporter', 'xml'], /--reporter takes one of pretty, plain, json, junit, tap, got "xml"/],
    [['run', '--timeout', 'soon'], /--timeout takes a positive number of seconds, got "soon"/],
    [['run', '--kubeconfig', '/nonexistent/kubeconfig'], /--kubeconfig \/nonexistent\/kubeconfig: no such file/],
    [['lab', 'frob'], /lab frob: unknown subcommand/],
    [['run', '--timeout', '3000000'], /--timeout takes at most 86400 seconds \(a day\), got 3000000/],
    [['run', '--wait', '1e9'], /--wait takes at most 86400 seconds/],
    [['run', '--out', '/nonexistent/dir/r.json'], /--out \/nonexistent\/dir\/r.json: the directory \/nonexistent\/dir does not exist/],
    [['run', '--out', '/tmp'], /--out \/tmp is a directory; give a file name/],
    [['run', '--out='], /--out needs a file name/],
    [['run', '--transcript', '/nonexistent/t.md'], /--transcript \/nonexistent\/t.md: the directory \/nonexistent does not exist/],
    [['run', '--out', '/tmp/kubewalk-same', '--transcript', '/tmp/kubewalk-same'], /--out and --transcript name the same file/],
    [['check', 'call-api', '--only', 'create-token'], /check runs the one step it is given; drop --only/],
    [['serve', '--only', 'call-api'], /serve shows every step as a cell and writes no report \(the page downloads the transcript\); drop --only\./],
    [['serve', '--transcript', '/tmp/t.md'], /serve shows every step .*; drop --transcript\./],
    [['serve', '--host', '0.0.0.0'], /--host 0\.0\.0\.0 would serve plain HTTP off this machine; add --tls-cert FILE and --tls-key FILE/],
    [
      ['serve', '--host', '0.0.0.0', '--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem'],
      /--tls-cert \/nonexistent\/c\.pem: cannot read it \(ENOENT\)/,
    ],
    [['serve', '--tls-cert', '/tmp/c.pem'], /--tls-cert and --tls-key go together/],
    [['serve', '--port', 'http'], /--port takes 0 to 65535, got "http"/],
    [['serve', '--port', '70000'], /--port takes 0 to 65535, got 70000/],
    [['serve', '--idle-timeout', '0'], /--idle-timeout takes seconds from 1 to 86400, got "0"/],
    [
      ['serve', '--editable', '--host', '0.0.0.0', '--tls-cert', '/tmp/c.pem', '--tls-key', '/tmp/k.pem'],
      /--editable serves on 127\.0\.0\.1 only \(the token runs any command on this machine\); leave --host 0\.0\.0\.0 out\./,
    ],
    [['serve', '--port'], /option --port needs a value/],
    [
      ['run', '--isolate', '--report-progress'],
      /--report-progress records in your namespace, and --isolate deletes that namespace at the end of the run/,
    ],
    [['drift', '--report-progress'], /--report-progress goes with run, check and serve, not drift/],
    [['check', 'call-api', '--forget'], /--forget goes with kubewalk check alone \(no step id\)/],
    [['run', '--forget'], /--forget goes with kubewalk check alone/],
    [['class', '--namespaces', 'a', '--port', '8080'], /--port goes with class --serve/],
    [['class', '--namespaces', 'a', '--serve', '--watch'], /class --serve is a live page already; drop --watch and --reporter/],
    [['check', 'call-api', '--from', 'create-token'], /check runs the one step it is given; drop --from/],
    [['run', '--kubeconfig='], /--kubeconfig needs a file name/],
    [['run', '--kubeconfig', '/tmp'], /cannot read the kubeconfig \/tmp: it is a directory/],
    [['lab', 'down', '/tmp/mylab'], /lab down takes no arguments, got \/tmp\/mylab \(for a directory: --dir \/tmp\/mylab\)/],
    [['lab', 'build', 'extra'], /lab build takes no arguments, got extra\./],
    [['lab', 'up', '--cluster-name', 'a b'], /--cluster-name takes letters, digits, '\.', '_' or '-', starting with a letter or digit; got "a b"/],
    [['lab', 'status', '--dir', '/tmp'], /No lab in \/tmp \(no lab.json\); start one with kubewalk lab up/],
    [['lab', 'down', '--dir', '/tmp'], /\/tmp has no lab.json, so it is not a kubewalk lab; refusing to delete it/],
    // Refused before the lab's build, which takes minutes on a fresh machine.
    [['lab', 'up', '--dir', '/tmp'], /\/tmp exists and is not an empty directory or a kubewalk lab/],
    [['lab', 'image'], /lab image needs a subcommand: import FILE\.tar, or list\./],
    [['lab', 'image', 'export', 'x.tar'], /lab image export: unknown subcommand \(import, list\)/],
    [['lab', 'image', 'list', 'x'], /lab image list takes no arguments, got x\./],
    [['lab', 'up', '--pull-through'], /--pull-through is about the node's image pulls; add --node\./],
    [['lab', 'image', 'import'], /lab image import needs an image tarball \(docker save or OCI layout\)/],
    [['lab', 'image', 'import', 'a.tar', 'b.tar'], /lab image import takes one file, got also b\.tar/],
    [['lab', 'image', 'import', '/nonexistent/x.tar'], /lab image import: \/nonexistent\/x\.tar is not a file/],
    [
      ['lab', 'image', 'import', '/etc/hostname', '--dir', '/tmp'],
      /\/etc\/hostname has neither index\.json nor manifest\.json: it is not an image tarball \(docker save or OCI layout\)/,
    ],
    [
      ['matrix', '--node', '--context', 'one', '--kubeconfig', '/dev/null'],
      /--node starts the labs with a node; it goes with --lab-version \(or no --context\)/,
    ],
  ])('%j is a usage error: one line, exit 2', async (argv, message) => {
    const t = io()
    expect(await main(argv, t.sinks)).toBe(2)
    expect(t.err()).toMatch(message)
    expect(t.err().trim().split('\n')).toHaveLength(1)
    expect(t.err()).toMatch(/^kubewalk: /)
  })

  it('masks a token pasted where it does not belong, even in an error', async () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpkZWZhdWx0In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ'
    const t = io()
    expect(await main(['run', '--only', jwt], t.sinks)).toBe(2)
    expect(t.err()).toMatch(/^kubewalk: --only eyJ…\[masked token\]: no such step/)
    expect(t.err()).not.toContain(jwt)
  })

  it('refuses a kubeconfig that does not parse', async () => {
    const bad = join(dir, 'bad')
    await writeFile(bad, 'clusters: [\n')
    const t = io()
    expect(await main(['run', '--kubeconfig', bad], t.sinks)).toBe(2)
    expect(t.err()).toMatch(/^kubewalk: cannot read the kubeconfig .*\/bad: /)
  })

  it('refuses an unknown --context', async () => {
    const t = io()
    expect(await main(['run', '--kubeconfig', kubeconfig, '--context', 'three'], t.sinks)).toBe(2)
    expect(t.err()).toMatch(/--context three: no such context in the kubeconfig \(known: one, two\)/)
  })

  it('refuses --cluster other than the context cluster before running anything', async () => {
    const t = io()
    expect(await main(['run', '--kubeconfig', kubeconfig, '--cluster', 'two'], t.sinks)).toBe(2)
    expect(t.err()).toMatch(/--cluster two is not the cluster of context one \(one\): the token would be minted on one and sent to two/)
    expect(t.out()).toBe('')
  })

  it('refuses an unknown --cluster', async () => {
    const t = io()
    expect(await main(['run', '--kubeconfig', kubeconfig, '--cluster', 'nine'], t.sinks)).toBe(2)
    expect(t.err()).toMatch(/--cluster nine: no such cluster in the kubeconfig/)
  })

  it('says plainly when the API server cannot be reached', async () => {
    const t = io()
    expect(await main(['run', '--kubeconfig', kubeconfig, '--context', 'two', '--timeout', '10'], t.sinks)).toBe(2)
    expect(t.err()).toMatch(/^kubewalk: cannot reach the API server of two at https:\/\/127\.0\.0\.1:2: /)
  })

  it('says plainly when curl is missing', async () => {
    const only = join(dir, 'only-kubectl')
    const { mkdir } = await import('node:fs/promises')
    await mkdir(only, { recursive: true })
    // Only kubectl's presence on PATH is checked before curl's: a stand-in will do.
    await writeFile(join(only, 'kubectl'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
    const t = io({ ...process.env, PATH: only })
    expect(await main(['run', '--kubeconfig', kubeconfig], t.sinks)).toBe(2)
    expect(t.err()).toMatch(/curl is not on PATH/)
  })

  it('says plainly when kubectl is missing', async () => {
    const t = io({ ...process.env, PATH: '/nonexistent' })
    // bash itself is found by absolute path inside zx; kubectl is not on this PATH.
    expect(await main(['run', '--kubeconfig', kubeconfig], t.sinks)).toBe(2)
    expect(t.err()).toMatch(/kubectl is not on PATH/)
  })
})

describe('selectSteps', () => {
  it.each([
    [{}, 14, 'list-clusters', 'call-api-revoked'],
    [{ from: 'call-api' }, 10, 'call-api', 'call-api-revoked'],
    [{ to: '04' }, 4, 'list-clusters', 'create-token'],
    [{ only: 'token-duration' }, 1, 'token-duration', 'token-duration'],
    // A number as a reader types it, without the report's leading zero.
    [{ from: '4', to: '6' }, 3, 'create-token', 'token-duration'],
    [{ only: '12' }, 1, 'call-api-secret-token', 'call-api-secret-token'],
  ])('%j', (sel, count, first, last) => {
    const s = selectSteps(steps, sel)
    expect([s.length, s[0]?.id, s.at(-1)?.id]).toEqual([count, first, last])
  })
})

describe('exitCodeOf', () => {
  const step = (code?: string) =>
    ({
      id: 'x',
      number: '01',
      title: '',
      command: '',
      status: code ? 'failed' : 'passed',
      durationMs: 0,
      attempts: 1,
      assertions: [],
      output: { stdout: '', stderr: '', exitCode: 0 },
      ...(code ? { error: { name: 'E', code, message: '' } } : {}),
    }) as const
  it.each([
    ['passed', undefined, 0],
    ['failed', 'E_ASSERTION', 1],
    ['failed', 'E_COMMAND', 1],
    ['failed', 'E_PRECONDITION', 2],
    ['failed', 'E_FORBIDDEN', 2],
    ['failed', 'E_MISSING_VAR', 2],
    ['interrupted', 'E_INTERRUPTED', 130],
  ] as const)('%s with %s → %i', async (status, code, exit) => {
    const { exitCodeOf } = await import('../../src/faces/replay/report.js')
    expect(
      exitCodeOf({
        ok: status === 'passed',
        status,
        steps: [step(code) as never],
        cleanup: [],
        startedAt: '2026-11-28T10:00:00.000Z',
        durationMs: 0,
      }),
    ).toBe(exit)
  })
})

describe('bin/kubewalk.js', () => {
  it('exits quietly when its reader closes the pipe early (kubewalk list | head -1)', async () => {
    const { execa } = await import('execa')
    const bin = new URL('../../bin/kubewalk.js', import.meta.url).pathname
    // `true` exits before node has started, so every write meets a closed pipe (with `head -1` the
    // whole list could fit in the pipe before head closes it, and the test would prove nothing).
    const r = await execa('bash', ['-c', `set -o pipefail; node ${bin} list | true`], { reject: false })
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/)
    expect(r.exitCode).toBe(0)
  })
})
