// What the runner learned for Markdown walkthroughs, for any walkthrough: a scratch working folder per
// run, files written before a line, variables a block of several commands sets, lines left running in
// the background, and cleanups learned from what a line printed.
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from '../../src/engine/runner.js'
import { defineStep, defineVar, equal, truthy, type Step } from '../../src/core/step.js'
import { Secrets } from '../../src/engine/redact.js'
import { markdownWalkthrough } from '../../src/sources/markdown/index.js'
import { articleCluster } from '../helpers.js'

const base = { cluster: articleCluster, clusters: [articleCluster] }
const step = (id: string, command: string, extra: Partial<Step<string>> = {}): Step<string> =>
  defineStep({ id, number: '00', title: id, command, reads: [], parse: (o) => o.stdout.trim(), check: () => [equal('ran', true, true)], ...extra })

describe('the scratch folder', () => {
  it("is each line's working directory, holds the files written before the line, and is gone after the run", async () => {
    const r = await run({
      ...base,
      steps: [step('a', 'pwd; cat pod.yaml', { files: [{ name: 'pod.yaml', content: 'kind: Pod\n' }] }), step('b', 'pwd')],
    })
    expect(r.status).toBe('passed')
    const [dir, content] = r.steps[0]?.output.stdout.split('\n') ?? []
    expect(dir).not.toBe(process.cwd())
    expect(dir).toMatch(/kubewalk-.*\/files$/)
    expect(content).toBe('kind: Pod')
    expect(r.steps[1]?.output.stdout.trim()).toBe(dir)
    expect(existsSync(dir as string)).toBe(false)
  })
  it('refuses a file name that leaves it', () => {
    expect(() => step('a', 'ls', { files: [{ name: '../x', content: '' }] })).toThrow(/file "\.\.\/x" must be a path inside the run's scratch folder/)
  })
})

describe('variables a block sets', () => {
  const X = defineVar({ name: 'X', secret: false, describe: 'x' })
  const S = defineVar({ name: 'S', secret: true, describe: 's' })
  it('reach later steps, secret ones masked; an unset one stays unset', async () => {
    const secrets = new Secrets()
    const U = defineVar({ name: 'U', secret: false, describe: 'u' })
    const r = await run({
      ...base,
      secrets,
      steps: [
        step('set', 'X=$(echo "two\nlines")\nexport S=secret-value-1234\necho done', { sets: [X, S, U] }),
        step('use', 'printf "%s|%s|%s" "$X" "$S" "${U-unset}"', {
          reads: [X, S],
          check: (v) => [equal('sees them', 'two\nlines|secret-value-1234|unset', v)],
        }),
      ],
    })
    expect(r.status).toBe('passed')
    expect(secrets.values()).toContain('secret-value-1234')
  })
  it('with writes too, and the exit code of the block kept', async () => {
    const r = await run({ ...base, steps: [step('both', 'X=1\nS=secret-value-9999\nfalse', { writes: X, sets: [S] })] })
    expect(r.steps[0]?.status).toBe('failed')
    expect(r.steps[0]?.output.exitCode).toBe(1)
    expect(r.steps[0]?.captured).toEqual({ name: 'X', value: '1' })
  })
})

describe('background lines', () => {
  it('stay up for the next steps (ready at their port), and are stopped at the end', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const r = await run({
      ...base,
      steps: [
        step('serve', `python3 -m http.server ${port} --bind 127.0.0.1 &`, { background: { port } }),
        step('call', `curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:${port}/`, { check: (v) => [equal('served', '200', v)] }),
      ],
    })
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed'])
    const after = await fetch(`http://127.0.0.1:${port}/`).then(
      () => 'answered',
      () => 'stopped',
    )
    expect(after).toBe('stopped')
  })
  it('ready at a text it prints; a line that ends instead fails the step', async () => {
    const r = await run({ ...base, steps: [step('up', 'echo starting; echo Serving now; sleep 30', { background: { ready: 'Serving' } })] })
    expect(r.steps[0]?.status).toBe('passed')
    const ended = await run({ ...base, steps: [step('gone', 'echo bye; exit 3', { background: { ready: 'never' } })] })
    expect(ended.steps[0]?.error?.message).toMatch(/gone: the background line ended \(exit code 3\) instead of staying up: bye/)
  })
})

describe('cleanups learned from output', () => {
  it('are done in reverse order, except what a later step deleted', async () => {
    const tracks = (out: { stdout: string }) => ({
      created: [...out.stdout.matchAll(/^(\S+) created$/gm)].map((m) => ({ describe: m[1] as string, command: `echo removed ${m[1]}` })),
      deleted: [...out.stdout.matchAll(/^(\S+) deleted$/gm)].map((m) => m[1] as string),
    })
    const r = await run({
      ...base,
      steps: [
        step('make', 'echo a/1 created; echo b/2 created', { tracks }),
        step('more', 'echo c/3 created', { tracks }),
        step('drop', 'echo b/2 deleted', { tracks }),
      ],
    })
    expect(r.cleanup.map((c) => c.describe)).toEqual(['c/3', 'a/1'])
    expect(r.cleanup.every((c) => c.status === 'done')).toBe(true)
  })
})

describe('a Markdown walkthrough through the runner (no cluster: its lines are plain shell)', () => {
  const text = readFileSync(new URL('../fixtures/markdown/shell-only.md', import.meta.url), 'utf8')
  it('passes where the output matches its recordings, and fails on a real difference', async () => {
    const w = markdownWalkthrough('shell-only.md', text)
    const r = await run({ ...base, steps: w.steps })
    expect(r.steps.map((s) => [s.id, s.status])).toEqual([
      ['write-a-file', 'passed'],
      ['set-two-variables', 'passed'],
      ['use-them', 'passed'],
      ['print-json', 'passed'],
      ['say-something-else', 'failed'],
    ])
    expect(r.steps[2]?.assertions[0]).toEqual(truthy('the output matches its recording (1 expected difference)', true))
    expect(r.steps[4]?.error?.message).toMatch(
      /^say-something-else: line 1 as recorded: the output shows another line here \(expected "hello", got "goodbye"\)/,
    )
  })
})

describe('a block of several commands, not split', () => {
  const fence = '```'
  it('runs its commands one by one and compares its recording with all they printed, in order', async () => {
    const w = markdownWalkthrough(
      'block.md',
      `# Block\n\n${fence}bash\necho preparing >&2\necho first\nfor x in a b; do\n  echo "$x"\ndone\n${fence}\n\n${fence}\npreparing\nfirst\na\nb\n${fence}\n\n${fence}bash\necho preparing\nprintf '{"kind": "ConfigMap", "data": {"a": "1"}}\\n'\n${fence}\n\n${fence}json\n{"kind": "ConfigMap", "data": {"a": "1"}}\n${fence}\n`,
    )
    // The for loop is one command: it runs whole.
    expect(w.steps.map((s) => s.blockCommands)).toEqual([
      [0, 1, 2],
      [0, 1],
    ])
    const r = await run({ ...base, steps: w.steps })
    expect(r.steps.map((s) => [s.status, s.assertions.map((a) => a.name)])).toEqual([
      ['passed', ['the output matches its recording']],
      ['passed', ['the output matches its recording']],
    ])
    // Each command's own output and exit; the step shows all of it.
    expect(r.steps[0]?.output.parts?.map((p) => [p.stdout, p.stderr, p.exitCode])).toEqual([
      ['', 'preparing\n', 0],
      ['first\n', '', 0],
      ['a\nb\n', '', 0],
    ])
    expect(r.steps[1]?.output.stdout).toBe('preparing\n{"kind": "ConfigMap", "data": {"a": "1"}}\n')
  })
  it('fails at a command that fails before the last, naming it, and runs nothing after it', async () => {
    const w = markdownWalkthrough(
      'block.md',
      `# Block\n\n${fence}bash\necho one\nls /no/such/dir\necho after > after.txt\n${fence}\n\n${fence}bash\nls after.txt 2>&1\n${fence}\n`,
    )
    const r = await run({ ...base, steps: w.steps })
    expect(r.steps[0]?.status).toBe('failed')
    expect(r.steps[0]?.error?.message).toMatch(/^block: command 2 of 3 \("ls \/no\/such\/dir"\) exited with code 2: ls: cannot access/)
    expect(r.steps[0]?.output.parts?.map((p) => p.exitCode)).toEqual([0, 2])
    expect(r.steps[0]?.output.stdout).toBe('one\n')
  })
  it('the failing command is not read as the answer the block recorded (the last command said rc=1 before)', async () => {
    const w = markdownWalkthrough('block.md', `# Block\n\n${fence}bash\nfalse\necho "rc=$?"\n${fence}\n\n${fence}\nrc=1\n${fence}\n`)
    const r = await run({ ...base, steps: w.steps })
    expect(r.steps[0]?.error?.message).toMatch(/command 1 of 2 \("false"\) exited with code 1/)
  })
  it('tracks what any of its commands created', async () => {
    const w = markdownWalkthrough(
      'block.md',
      `# Block\n\n${fence}bash\necho configmap/first created\necho configmap/second created\n${fence}\n\n${fence}\nconfigmap/second created\n${fence}\n`,
    )
    // A kubectl that deletes nothing: the cleanup's lines are what this test reads.
    const bin = await mkdtemp(join(tmpdir(), 'kubewalk-fake-'))
    await writeFile(join(bin, 'kubectl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
    const r = await run({ ...base, steps: w.steps, env: { PATH: `${bin}:${process.env.PATH}` } })
    await rm(bin, { recursive: true })
    expect(r.steps[0]?.status).toBe('passed')
    expect(r.cleanup.map((c) => c.describe)).toEqual(['delete configmap/second', 'delete configmap/first'])
  })
})

describe('an error the page shows is the answer', () => {
  const fence = '```'
  // kubernetes/website quota-memory-cpu-namespace.md: the second Pod is refused, and the page records the refusal (wrapped).
  const page = (refusal: string) =>
    `# Quota\n\n${fence}shell\nkubectl apply -f https://k8s.io/examples/admin/resource/quota-mem-cpu-pod-2.yaml --namespace=quota-mem-cpu-example\n${fence}\n\n${fence}\n${refusal}\n${fence}\n`
  const recorded = `Error from server (Forbidden): error when creating "examples/admin/resource/quota-mem-cpu-pod-2.yaml":
pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo,
requested: requests.memory=700Mi,used: requests.memory=600Mi, limited: requests.memory=1Gi`
  // A stand-in kubectl that refuses as the server would: what is tested is how kubewalk reads the refusal.
  const refusing = async (stderr: string) => {
    const bin = await mkdtemp(join(tmpdir(), 'kubewalk-fake-'))
    await writeFile(join(bin, 'kubectl'), `#!/bin/sh\nprintf '%s\\n' '${stderr.replaceAll("'", `'\\''`)}' >&2\nexit 1\n`, { mode: 0o755 })
    return { bin, env: { PATH: `${bin}:${process.env.PATH}` } }
  }
  it('the refusal the recording shows passes, its usage numbers and URL an expected difference', async () => {
    const { bin, env } = await refusing(
      'Error from server (Forbidden): error when creating "https://k8s.io/examples/admin/resource/quota-mem-cpu-pod-2.yaml": pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=650Mi, limited: requests.memory=1Gi',
    )
    const r = await run({ ...base, steps: markdownWalkthrough('quota.md', page(recorded)).steps, env })
    await rm(bin, { recursive: true })
    expect(r.steps[0]).toMatchObject({ status: 'passed', output: { exitCode: 1 } })
    expect(r.steps[0]?.assertions).toEqual([{ name: 'the output matches its recording (1 expected difference)', ok: true }])
  })
  it('a refusal the page does not show is the precondition failure it was', async () => {
    const { bin, env } = await refusing(
      'Error from server (Forbidden): error when creating "https://k8s.io/examples/admin/resource/quota-mem-cpu-pod-2.yaml": pods "quota-mem-cpu-demo-2" is forbidden: User "jane" cannot create resource "pods" in API group "" in the namespace "quota-mem-cpu-example"',
    )
    const r = await run({ ...base, steps: markdownWalkthrough('quota.md', page(recorded)).steps, env })
    await rm(bin, { recursive: true })
    expect(r.steps[0]?.error).toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringContaining('is not allowed to do this (RBAC)') })
    expect(r.steps[0]?.error?.message).toMatch(/; the recording shows another error as its answer$/)
  })
  it('a quota refusal the page does not show says it is the cluster, not the user', async () => {
    const { bin, env } = await refusing(
      'Error from server (Forbidden): error when creating "https://k8s.io/examples/admin/resource/memory-constraints-pod-2.yaml": pods "constraints-mem-demo-2" is forbidden: maximum memory usage per Container is 1Gi, but limit is 1536Mi',
    )
    const r = await run({ ...base, steps: markdownWalkthrough('quota.md', page(recorded)).steps, env })
    await rm(bin, { recursive: true })
    expect(r.steps[0]?.error).toMatchObject({
      code: 'E_FORBIDDEN',
      message: expect.stringContaining('the cluster refused this (an admission check)'),
    })
  })
  it('in a block, a refusal the recording shows lets the block go on', async () => {
    const { bin, env } = await refusing(
      'Error from server (Forbidden): error when creating "https://k8s.io/examples/admin/resource/quota-mem-cpu-pod-2.yaml": pods "quota-mem-cpu-demo-2" is forbidden: exceeded quota: mem-cpu-demo, requested: requests.memory=700Mi, used: requests.memory=600Mi, limited: requests.memory=1Gi',
    )
    const md = `# Quota\n\n${fence}shell\nkubectl apply -f https://k8s.io/examples/admin/resource/quota-mem-cpu-pod-2.yaml --namespace=quota-mem-cpu-example\necho still here\n${fence}\n\n${fence}\n${recorded}\nstill here\n${fence}\n`
    const r = await run({ ...base, steps: markdownWalkthrough('quota.md', md).steps, env })
    await rm(bin, { recursive: true })
    expect(r.steps[0]).toMatchObject({ status: 'passed', output: { exitCode: 0 } })
    expect(r.steps[0]?.output.parts?.map((p) => p.exitCode)).toEqual([1, 0])
  })
})

describe('exit N', () => {
  const fence = '```'
  it('makes an answer of an exit whose answer went to standard error, compared as the terminal showed it', async () => {
    const md = `# Exit\n\n<!-- kubewalk: exit 0,3 -->\n${fence}bash\necho "nothing to do" >&2; exit 3\n${fence}\n\n${fence}\nnothing to do\n${fence}\n`
    const r = await run({ ...base, steps: markdownWalkthrough('exit.md', md).steps })
    expect(r.steps[0]).toMatchObject({ status: 'passed', output: { exitCode: 3 } })
    expect(r.steps[0]?.assertions[0]?.ok).toBe(true)
  })
  it('an exit it does not list still fails', async () => {
    const md = `# Exit\n\n<!-- kubewalk: exit 0,3 -->\n${fence}bash\necho "nothing to do" >&2; exit 4\n${fence}\n`
    const r = await run({ ...base, steps: markdownWalkthrough('exit.md', md).steps })
    expect(r.steps[0]?.error?.message).toMatch(/exited with code 4: nothing to do/)
  })
})
