import { afterAll, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run, type RunEvent } from '../../src/engine/runner.js'
import { defineCleanup, defineStep, defineVar, equal, type Step } from '../../src/core/step.js'
import { ParseError } from '../../src/core/errors.js'
import { Secrets } from '../../src/engine/redact.js'
import { setClusterName } from '../../steps/02-set-cluster-name.js'
import { articleCluster, liveProcesses } from '../helpers.js'

const base = { cluster: articleCluster, clusters: [articleCluster] }
const TOKEN = defineVar({ name: 'TOKEN', secret: true, describe: 'a token' })
const APISERVER = defineVar({ name: 'APISERVER', secret: false, describe: 'a server' })
const PLAIN = defineVar({ name: 'PLAIN', secret: false, describe: 'not a secret' })
/** A cleanup and the step link that registers it when the line printed "created". */
const creates = (describe: string, command: string, when: (o: { stdout: string }) => boolean = (o) => o.stdout.includes('created')) => {
  const cleanup = defineCleanup({ describe, command })
  return { cleanup, createdIf: when }
}

const echoStep = (id: string, command: string, extra: Partial<Step<string>> = {}): Step<string> =>
  defineStep({ id, number: '00', title: id, command, reads: [], parse: (o) => o.stdout.trim(), check: () => [equal('ran', true, true)], ...extra })

describe('run', () => {
  it('runs steps in order and passes variables through the environment', async () => {
    const r = await run({
      ...base,
      steps: [
        echoStep('a', 'TOKEN=$(echo secret-value-123)', { writes: TOKEN }),
        echoStep('b', 'APISERVER="https://x"', { writes: APISERVER }),
        echoStep('c', 'echo "$APISERVER/$TOKEN"', { reads: [APISERVER, TOKEN], check: (v) => [equal('sees both', 'https://x/secret-value-123', v)] }),
      ],
    })
    expect(r.status).toBe('passed')
    expect(r.steps.map((s) => s.id)).toEqual(['a', 'b', 'c'])
    expect(r.steps[0]?.captured).toEqual({ name: 'TOKEN', value: 'secret-value-123' })
    expect(r.steps[2]?.assertions[0]?.ok).toBe(true)
  })

  it('gives later steps the parsed values of earlier ones', async () => {
    const r = await run({
      ...base,
      steps: [
        echoStep('first', 'echo 41'),
        echoStep('second', 'echo 42', { check: (v, c) => [equal('sees first', '41', c.values.get('first')), equal('own', '42', v)] }),
      ],
    })
    expect(r.ok).toBe(true)
  })

  it('runs an awkward cluster name through zx quoting intact', async () => {
    const name = `a"b $(touch /tmp/kubewalk-pwned) 'c'`
    const r = await run({ ...base, cluster: { name, server: 'https://x' }, steps: [setClusterName] })
    expect(r.steps[0]?.captured?.value).toBe(name)
    expect(r.ok).toBe(true)
  })

  it('stops at the first failure, skips the rest and explains the failure in one sentence', async () => {
    const r = await run({
      ...base,
      steps: [echoStep('ok', 'echo fine'), echoStep('boom', 'echo "no such thing" >&2; exit 3'), echoStep('later', 'echo never')],
    })
    expect(r.status).toBe('failed')
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped'])
    expect(r.steps[1]?.error).toMatchObject({
      name: 'CommandError',
      code: 'E_COMMAND',
      message: 'boom: the command exited with code 3: no such thing',
    })
    expect(r.steps[1]?.output).toEqual({ stdout: '', stderr: 'no such thing\n', exitCode: 3 })
    expect(r.steps[2]?.attempts).toBe(0)
  })

  it('records a failed assertion with expected and actual', async () => {
    const r = await run({ ...base, steps: [echoStep('x', 'echo 2', { check: (v) => [equal('is one', '1', v)] })] })
    expect(r.steps[0]?.error?.message).toBe('x: is one (expected "1", got "2").')
  })

  it('records a parse error naming the step', async () => {
    const r = await run({
      ...base,
      steps: [
        echoStep('p', 'echo junk', {
          parse: (o) => {
            throw new ParseError('p', 'cannot read junk', o.stdout)
          },
        }),
      ],
    })
    expect(r.steps[0]?.error).toMatchObject({ name: 'ParseError', message: 'p: cannot read junk' })
  })

  it('refuses a step whose variables no one set', async () => {
    const r = await run({ ...base, steps: [echoStep('needs', 'echo $TOKEN', { reads: [TOKEN] })] })
    expect(r.steps[0]).toMatchObject({ status: 'failed', attempts: 0 })
    expect(r.steps[0]?.error?.message).toMatch(/needs \$TOKEN, which no earlier step set/)
  })

  it('takes seeded variables (a participant exported TOKEN)', async () => {
    const r = await run({
      ...base,
      vars: { TOKEN: 'mine' },
      steps: [echoStep('c', 'echo $TOKEN', { reads: [TOKEN], check: (v) => [equal('t', 'mine', v)] })],
    })
    expect(r.ok).toBe(true)
  })

  it('waits, bounded, until the checks pass', async () => {
    const dir = `/tmp/kubewalk-test-${process.pid}-${Date.now()}`
    const events: RunEvent[] = []
    const r = await run({
      ...base,
      onEvent: (e) => events.push(e),
      steps: [
        echoStep('count', `mkdir -p ${dir}; echo x >> ${dir}/n; wc -l < ${dir}/n; [ $(wc -l < ${dir}/n) -ge 3 ] && rm -r ${dir}; true`, {
          check: (v) => [equal('third time', '3', v)],
          wait: { for: 'the third try', timeoutMs: 5_000, intervalMs: 20 },
        }),
      ],
    })
    expect(r.ok).toBe(true)
    expect(r.steps[0]?.attempts).toBe(3)
    expect(events.filter((e) => e.type === 'attempt')).toHaveLength(2)
  })

  it('gives up waiting at the limit and says what it waited for', async () => {
    const r = await run({
      ...base,
      steps: [echoStep('never', 'echo no', { check: (v) => [equal('yes', 'yes', v)], wait: { for: 'a yes', timeoutMs: 300, intervalMs: 50 } })],
    })
    expect(r.steps[0]?.status).toBe('failed')
    expect(r.steps[0]?.attempts).toBeGreaterThan(1)
    expect(r.steps[0]?.error?.message).toMatch(/^never: yes \(expected "yes", got "no"\) after waiting \d+ s for a yes\.$/)
  })

  it('waits also through a line that exits non-zero, and reports the last error when the bound runs out', async () => {
    const dir = `/tmp/kubewalk-test-${process.pid}-${Date.now()}-exit`
    const r = await run({
      ...base,
      steps: [
        echoStep(
          'appears',
          `mkdir -p ${dir}; echo x >> ${dir}/n; [ $(wc -l < ${dir}/n) -ge 3 ] || { echo "Error from server (NotFound): not yet $(wc -l < ${dir}/n)" >&2; exit 1; }; rm -r ${dir}; echo there`,
          {
            wait: { for: 'it to be there', timeoutMs: 5_000, intervalMs: 20 },
          },
        ),
        echoStep('never', 'echo "Error from server (NotFound): pods \\"x\\" not found" >&2; exit 1', {
          wait: { for: 'pod/x', timeoutMs: 300, intervalMs: 50 },
        }),
      ],
    })
    expect(r.steps[0]?.status).toBe('passed')
    expect(r.steps[0]?.attempts).toBe(3)
    expect(r.steps[1]?.status).toBe('failed')
    expect(r.steps[1]?.attempts).toBeGreaterThan(2)
    expect(r.steps[1]?.error?.message).toMatch(
      /^never: the command exited with code 1: Error from server \(NotFound\): pods "x" not found \(after waiting \d+ s for pod\/x\)\.$/,
    )
  })

  it('does not rerun a line killed by a signal, even under a wait (exit 137 is no missing object)', async () => {
    const r = await run({
      ...base,
      steps: [echoStep('killed', "sh -c 'kill -9 $$'", { wait: { for: 'a yes', timeoutMs: 2_000, intervalMs: 50 } })],
    })
    expect([r.steps[0]?.status, r.steps[0]?.attempts]).toEqual(['failed', 1])
    expect(r.steps[0]?.error?.message).toMatch(/exited with code 137/)
  })

  it('does not rerun a non-zero exit without a wait', async () => {
    const r = await run({ ...base, steps: [echoStep('once', 'exit 1')] })
    expect([r.steps[0]?.status, r.steps[0]?.attempts]).toEqual(['failed', 1])
  })

  it('starts its shell beside a preflight still under way (opening), and runs the first step after it', async () => {
    const order: string[] = []
    let release!: () => void
    const opening = new Promise<void>((resolve) => (release = resolve)).then(() => void order.push('opened'))
    const pending = run({
      ...base,
      steps: [echoStep('a', 'echo "$PPID"')],
      onEvent: (e) => void (e.type === 'step-start' && order.push('step-start')),
      opening,
    })
    // The shell is up while the preflight still waits: a bash whose parent is this process, not yet running a step.
    const shells = async (): Promise<number> => {
      let mine = 0
      for (const pid of await liveProcesses('--noprofile -i -s')) {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
        if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(process.pid)) mine++
      }
      return mine
    }
    let seen = 0
    for (let i = 0; i < 100 && seen === 0; i++) {
      seen = await shells()
      if (seen === 0) await new Promise((r) => setTimeout(r, 20))
    }
    expect(seen).toBe(1)
    expect(order).toEqual([])
    release()
    const r = await pending
    expect(r.ok).toBe(true)
    expect(order).toEqual(['opened', 'step-start'])
    expect(r.steps[0]?.value).toBe(String(process.pid))
  })

  it('throws what the preflight threw (opening), runs no step and still does its teardown', async () => {
    const events: string[] = []
    const teardown = defineCleanup({ describe: 'teardown', command: 'true' })
    await expect(
      run({
        ...base,
        steps: [echoStep('a', 'echo a')],
        onEvent: (e) => void events.push(e.type),
        teardown: [teardown],
        opening: Promise.reject(new Error('the server did not answer')),
      }),
    ).rejects.toThrow('the server did not answer')
    expect(events).toEqual(['cleanup-start', 'cleanup-end'])
  })

  it('records when the run began', async () => {
    const before = Date.now()
    const r = await run({ ...base, steps: [echoStep('a', 'echo')] })
    const at = Date.parse(r.startedAt)
    expect(r.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(at).toBeGreaterThanOrEqual(before - 1)
    expect(at).toBeLessThanOrEqual(Date.now())
  })

  it('times a command out with a message naming the step', async () => {
    const r = await run({ ...base, commandTimeoutMs: 200, steps: [echoStep('slow', 'sleep 5')] })
    expect(r.steps[0]?.error).toMatchObject({ code: 'E_TIMEOUT' })
    expect(r.steps[0]?.error?.message).toMatch(/^slow: the command did not finish within 0.2 s/)
    expect(r.steps[0]?.durationMs).toBeLessThan(2_000)
  })

  it('cleans up what a step created, in reverse order, even when a later step fails', async () => {
    const log = `/tmp/kubewalk-cleanup-${process.pid}-${Date.now()}`
    const create = (key: string) => creates(`remove ${key}`, `echo ${key} >> ${log}`)
    const r = await run({
      ...base,
      steps: [
        echoStep('one', 'echo created', { creates: create('one') }),
        echoStep('two', 'echo created', { creates: create('two') }),
        echoStep('fail', 'exit 1'),
      ],
    })
    expect(r.status).toBe('failed')
    expect(r.cleanup.map((c) => [c.describe, c.status])).toEqual([
      ['remove two', 'done'],
      ['remove one', 'done'],
    ])
    const { readFile, rm } = await import('node:fs/promises')
    expect(await readFile(log, 'utf8')).toBe('two\none\n')
    await rm(log)
  })

  it('does not register cleanup for what the step did not create, and settles what a step deleted', async () => {
    const spec = creates('remove k', 'true')
    const notCreated = await run({ ...base, steps: [echoStep('a', 'echo unchanged', { creates: spec })] })
    expect(notCreated.cleanup).toEqual([])
    const settled = await run({
      ...base,
      steps: [echoStep('a', 'echo created', { creates: spec }), echoStep('b', 'echo deleted', { deletes: spec.cleanup })],
    })
    expect(settled.cleanup).toEqual([])
  })

  it('a deleting step run without the step that creates it refuses, naming the object and the command to delete it by hand', async () => {
    const { readFile, rm } = await import('node:fs/promises')
    const log = join(tmpdir(), `kubewalk-deletes-${process.pid}`)
    const spec = creates('delete Secret mine', 'true')
    const r = await run({ ...base, steps: [echoStep('remove', `echo deleted >> ${log}`, { deletes: spec.cleanup })] })
    expect(r.steps[0]?.status).toBe('failed')
    expect(r.steps[0]?.error).toMatchObject({
      code: 'E_PRECONDITION',
      message:
        'remove: this run did not create what the step deletes (Secret mine), and kubewalk deletes only what its run created; run from the step that creates it, or delete it yourself: true.',
    })
    // The line never ran.
    await expect(readFile(log, 'utf8')).rejects.toThrow()
    const ours = await run({
      ...base,
      steps: [echoStep('make', 'echo created', { creates: spec }), echoStep('remove', `echo deleted >> ${log}`, { deletes: spec.cleanup })],
    })
    expect(ours.ok).toBe(true)
    expect(await readFile(log, 'utf8')).toBe('deleted\n')
    await rm(log)
  })
  it('says a long cleanup is still at work, and gives a cleanup its own limit', async () => {
    const events: string[] = []
    const slow = defineCleanup({ describe: 'remove slowly', command: 'sleep 6', timeoutMs: 20_000 })
    const r = await run({
      ...base,
      commandTimeoutMs: 2_000,
      steps: [echoStep('a', 'echo created', { creates: { cleanup: slow, createdIf: () => true } })],
      onEvent: (e) => void (e.type === 'cleanup-progress' && events.push(`${e.cleanup.describe} ${Math.round(e.elapsedMs / 1000)}`)),
    })
    expect(r.cleanup).toEqual([{ describe: 'remove slowly', command: 'sleep 6', status: 'done' }])
    expect(events).toEqual(['remove slowly 5'])
  }, 15_000)
  it('reports cleanup it could not do', async () => {
    const spec = creates('remove k', 'echo "connection refused" >&2; exit 1', () => true)
    const r = await run({ ...base, steps: [echoStep('a', 'echo created', { creates: spec })] })
    expect(r.cleanup).toEqual([{ describe: 'remove k', command: spec.cleanup.command, status: 'failed', error: 'connection refused' }])
    // Something is left on the cluster: every step passed, yet the run did not.
    expect(r.steps.map((x) => x.status)).toEqual(['passed'])
    expect(r).toMatchObject({ ok: false, status: 'failed' })
  })

  it('stops on abort, marks the run interrupted and still cleans up', async () => {
    const ac = new AbortController()
    const spec = creates('remove k', 'true', () => true)
    setTimeout(() => ac.abort(), 300)
    const r = await run({
      ...base,
      signal: ac.signal,
      steps: [echoStep('a', 'echo created', { creates: spec }), echoStep('b', 'sleep 10'), echoStep('c', 'echo')],
    })
    expect(r.status).toBe('interrupted')
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped'])
    expect(r.cleanup).toEqual([{ describe: 'remove k', command: 'true', status: 'done' }])
    expect(r.durationMs).toBeLessThan(5_000)
  })

  it('collects the values of secret variables for the reporters to mask, and only those', async () => {
    const secrets = new Secrets()
    await run({
      ...base,
      secrets,
      steps: [
        echoStep('a', 'TOKEN=$(echo a-long-token-value)', { writes: TOKEN }),
        echoStep('b', 'PLAIN=$(echo a-long-plain-value)', { writes: PLAIN }),
      ],
    })
    expect(secrets.values()).toContain('a-long-token-value')
    expect(secrets.values()).not.toContain('a-long-plain-value')
  })

  it('captures afresh at every attempt: a line that never assigns reports nothing, not an earlier value', async () => {
    const r = await run({
      ...base,
      steps: [echoStep('a', 'TOKEN=$(echo first-value-123)', { writes: TOKEN }), echoStep('b', 'exit 0', { writes: TOKEN })],
    })
    expect(r.steps[0]?.captured?.value).toBe('first-value-123')
    // "exit 0" leaves before the runner reads TOKEN back: nothing was assigned by this line.
    expect(r.steps[1]?.captured).toBeUndefined()
  })

  it('does not wait for output of the wrong kind: the cause is said at once, not after the wait', async () => {
    const wrong = (o: { stdout: string }): string => {
      throw new ParseError('t', 'not a table', o.stdout, { wrongShape: true })
    }
    const r = await run({
      ...base,
      steps: [echoStep('t', 'echo {}', { parse: wrong, wait: { for: 'the controller', timeoutMs: 30_000, intervalMs: 50 } })],
    })
    expect(r.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: { message: 't: not a table' } })
  })

  it('accepts the exit codes a step declares as answers, and no others', async () => {
    const answered = await run({
      ...base,
      steps: [echoStep('no', 'echo no; exit 1', { exitCodes: [0, 1], check: (v) => [equal('says no', 'no', v)] })],
    })
    expect(answered.ok).toBe(true)
    const failed = await run({ ...base, steps: [echoStep('no', 'echo no; exit 2', { exitCodes: [0, 1] })] })
    expect(failed.steps[0]?.error?.message).toBe('no: the command exited with code 2: no')
  })

  // kubectl auth can-i --as, when the user may not impersonate: Forbidden on stderr, nothing on stdout, exit 1
  // (kubectl v1.37.2 on the lab, see test/e2e/rbac-pods.test.ts).
  const IMPERSONATION_FORBIDDEN =
    'Error from server (Forbidden): serviceaccounts "default" is forbidden: User "system:serviceaccount:default:nobody" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "default"'

  it('reads a listed exit code as an answer only when the line printed one: Forbidden is the error it is, at once, not a wait', async () => {
    const step = echoStep('can-i', `echo ${JSON.stringify(IMPERSONATION_FORBIDDEN)} >&2; exit 1`, {
      exitCodes: [0, 1],
      check: (v) => [equal('says yes', 'yes', v)],
      wait: { for: 'the RoleBinding', timeoutMs: 30_000, intervalMs: 50 },
    })
    const r = await run({ ...base, steps: [step] })
    expect(r.steps[0]).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'CommandError', code: 'E_FORBIDDEN' } })
    expect(r.steps[0]?.error?.message).toMatch(/^can-i: the kubeconfig's user is not allowed to do this \(RBAC\): .*cannot impersonate/)
    expect(r.steps[0]?.durationMs).toBeLessThan(5_000)
    const silent = await run({ ...base, steps: [echoStep('quiet', 'exit 1', { exitCodes: [0, 1] })] })
    expect(silent.steps[0]?.error).toMatchObject({ code: 'E_COMMAND', message: 'quiet: the command exited with code 1: no output' })
  })

  it('says who stopped an interrupted run: the user (quit) is not a signal', async () => {
    const r = await run({
      ...base,
      beforeStep: async (_s, i) => (i === 1 ? 'quit' : 'run'),
      steps: [echoStep('a', 'echo'), echoStep('b', 'echo'), echoStep('c', 'echo')],
    })
    expect(r).toMatchObject({ status: 'interrupted', stoppedBy: 'user' })
    expect(r.steps.map((x) => x.status)).toEqual(['passed', 'skipped', 'skipped'])
  })
})

describe('run: guards and refusals', () => {
  it('a guard refuses the step before its line runs, as a precondition', async () => {
    const marker = `/tmp/kubewalk-guard-${process.pid}-${Date.now()}`
    const r = await run({
      ...base,
      steps: [
        echoStep('g', `touch ${marker}`, {
          guard: { command: 'echo secret/default-token', refuse: (o) => (o.stdout.trim() ? 'it exists' : undefined) },
        }),
      ],
    })
    expect(r.steps[0]?.error).toMatchObject({ name: 'PreconditionError', code: 'E_PRECONDITION', message: 'g: it exists.' })
    const { existsSync } = await import('node:fs')
    expect(existsSync(marker)).toBe(false)
  })
  it('a guard that finds nothing lets the step run', async () => {
    const r = await run({
      ...base,
      steps: [echoStep('g', 'echo ran', { guard: { command: 'true', refuse: (o) => (o.stdout.trim() ? 'x' : undefined) } })],
    })
    expect(r.ok).toBe(true)
  })
  it('names RBAC when kubectl says forbidden', async () => {
    const r = await run({
      ...base,
      steps: [
        echoStep('f', `echo 'error: failed to create token: serviceaccounts "default" is forbidden: User "x" cannot create resource' >&2; exit 1`),
      ],
    })
    expect(r.steps[0]?.error).toMatchObject({ code: 'E_FORBIDDEN' })
    expect(r.steps[0]?.error?.message).toMatch(/^f: the kubeconfig's user is not allowed to do this \(RBAC\): error: failed to create token/)
  })
  it('a waiting step whose piped kubectl cannot reach the server fails at once, naming the server, not the awaited controller', async () => {
    const refused = 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?'
    const r = await run({
      ...base,
      steps: [
        echoStep('w', `echo '${refused}' >&2 | cat`, {
          check: (v) => [equal('yes', 'yes', v)],
          wait: { for: 'the token controller', timeoutMs: 30_000, intervalMs: 20 },
        }),
      ],
    })
    expect(r.steps[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'E_UNREACHABLE', message: `w: the API server did not answer (${refused}); check that it is running, then run again.` },
    })
  })
  it('waitTimeoutMs overrides a step wait', async () => {
    const r = await run({
      ...base,
      waitTimeoutMs: 100,
      steps: [echoStep('w', 'echo no', { check: (v) => [equal('yes', 'yes', v)], wait: { for: 'a yes', timeoutMs: 60_000, intervalMs: 20 } })],
    })
    expect(r.steps[0]?.durationMs).toBeLessThan(2_000)
    expect(r.steps[0]?.status).toBe('failed')
  })
})

describe('run: cleanup after a line cut short', () => {
  it('registers the cleanup when a guarded creating line failed (the answer may be lost), not when the object already existed', async () => {
    const guard = { command: 'true', refuse: () => undefined }
    const lost = await run({
      ...base,
      steps: [echoStep('create', 'echo "error: the connection was reset" >&2; exit 1', { guard, creates: creates('remove k', 'true') })],
    })
    expect(lost.cleanup).toEqual([{ describe: 'remove k', command: 'true', status: 'done' }])
    const theirs = await run({
      ...base,
      steps: [
        echoStep('create', 'echo \'Error from server (AlreadyExists): roles "x" already exists\' >&2; exit 1', {
          guard,
          creates: creates('remove k', 'true'),
        }),
      ],
    })
    expect(theirs.cleanup).toEqual([])
    const unguarded = await run({ ...base, steps: [echoStep('create', 'exit 1', { creates: creates('remove k', 'true') })] })
    expect(unguarded.cleanup).toEqual([])
  })

  it('registers the cleanup when the creating line timed out, since its outcome is unknown', async () => {
    const spec = creates('remove k', 'true')
    const r = await run({ ...base, commandTimeoutMs: 200, steps: [echoStep('slow-create', 'sleep 5', { creates: spec })] })
    expect(r.steps[0]?.error?.code).toBe('E_TIMEOUT')
    expect(r.cleanup).toEqual([{ describe: 'remove k', command: 'true', status: 'done' }])
  })
})

describe('run: nothing a line started outlives its timeout or abort', () => {
  it.each([
    ['a $(…) capture', 'TOKEN=$(sleep 7.101; echo x)', 'sleep 7.101', { writes: TOKEN }],
    ['a heredoc', 'cat <<EOF | sleep 7.102\nhello\nEOF', 'sleep 7.102', {}],
    ['a pipeline', 'sleep 7.103 | cat', 'sleep 7.103', {}],
  ])('%s', async (_what, command, pattern, extra) => {
    const r = await run({ ...base, commandTimeoutMs: 300, steps: [echoStep('t', command, extra)] })
    expect(r.steps[0]?.error?.code).toBe('E_TIMEOUT')
    await new Promise((res) => setTimeout(res, 100))
    expect(await liveProcesses(pattern)).toEqual([])
  })
  it('on abort too', async () => {
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 300)
    await run({ ...base, signal: ac.signal, steps: [echoStep('a', 'X=$(sleep 7.104; echo)')] })
    await new Promise((res) => setTimeout(res, 100))
    expect(await liveProcesses('sleep 7.104')).toEqual([])
  })
})

describe('declared changes', () => {
  it('a declared change to an object the run did not make is allowed, and cleanup restores it; an undeclared one fails the step', async () => {
    const { createRequire } = await import('node:module')
    const { harness, node, configMap } = await import('./guard/harness.js')
    const h = await harness()
    await h.seed([node('n1'), configMap('app')])
    const env = {
      PATH: `${join(h.dir, 'real')}:${process.env.PATH ?? ''}`,
      STANDIN_DIR: h.dir,
      STANDIN_YAML: createRequire(import.meta.url).resolve('yaml'),
    }
    const guard = { lab: false, namespaces: [], allow: ['node/*'] }
    const r = await run({ ...base, env, guard, steps: [echoStep('label', 'kubectl label node n1 disk=ssd && echo labelled')] })
    expect(r.steps.map((x) => x.status)).toEqual(['passed'])
    expect(r.cleanup.map((c) => [c.describe, c.status])).toEqual([['restore node/n1 (cluster-scoped) as it was before the run', 'done']])
    const n1 = (await h.store()).find((o) => o.kind === 'Node')
    expect([n1?.metadata.uid, n1?.metadata.labels]).toEqual(['uid-n1', { zone: 'a' }])
    const refused = await run({ ...base, env, guard, steps: [echoStep('label', 'kubectl label configmap app a=b; echo ok')] })
    expect(refused.steps[0]?.status).toBe('failed')
    expect(refused.steps[0]?.error?.message).toMatch(/configmap\/app in namespace default/)
    expect(refused.cleanup).toEqual([])
  }, 30_000)
})

describe("the guard's function", () => {
  it("is in the run's shell from step 01, and in the shell started again after a page's exit", async () => {
    const { harness } = await import('./guard/harness.js')
    const h = await harness()
    const env = { PATH: `${join(h.dir, 'real')}:${process.env.PATH ?? ''}`, STANDIN_DIR: h.dir }
    const guard = { lab: false, namespaces: [], allow: [] }
    const r = await run({
      ...base,
      env,
      guard,
      steps: [echoStep('first', 'type -t kubectl'), echoStep('leave', 'exit 0'), echoStep('after', 'type -t kubectl')],
    })
    expect(r.steps.map((s) => [s.id, s.status, s.output?.stdout])).toEqual([
      ['first', 'passed', 'function\n'],
      ['leave', 'passed', ''],
      ['after', 'passed', 'function\n'],
    ])
  })
})

describe('Ctrl-C during a guarded call (the guard in this process)', () => {
  it.each([
    ['its dry run', 'STANDIN_DRY_DELAY_MS=20000', 'cm-dry', [] as string[]],
    ['its real call, after the object was stored', 'STANDIN_REAL_DELAY_MS=20000', 'cm-real', ['delete configmap/cm-real in namespace default']],
  ])(
    'during %s: the run ends, its kubectl processes are gone, and what the call stored is removed',
    async (_, knob, name, cleanups) => {
      const { createRequire } = await import('node:module')
      const { harness } = await import('./guard/harness.js')
      const h = await harness()
      const env = {
        PATH: `${join(h.dir, 'real')}:${process.env.PATH ?? ''}`,
        STANDIN_DIR: h.dir,
        STANDIN_YAML: createRequire(import.meta.url).resolve('yaml'),
      }
      const ac = new AbortController()
      setTimeout(() => ac.abort(), 1500)
      const guard = { lab: false, namespaces: [], allow: [] }
      const began = performance.now()
      const r = await run({ ...base, env, guard, signal: ac.signal, steps: [echoStep('create', `${knob} kubectl create configmap ${name}`)] })
      // Far from the stand-in's 20 s: the call was stopped, not waited for.
      expect(performance.now() - began).toBeLessThan(15_000)
      expect(r.steps[0]?.status).not.toBe('passed')
      expect(r.cleanup.map((c) => [c.describe, c.status])).toEqual(cleanups.map((d) => [d, 'done']))
      expect(await h.store()).toEqual([])
      await new Promise((res) => setTimeout(res, 200))
      expect(await liveProcesses(`configmap ${name}`)).toEqual([])
    },
    40_000,
  )
})

describe("the lines' kubeconfig is the run's own copy", () => {
  it("a line that writes to $KUBECONFIG changes the copy, never the user's file; relative paths resolved, current-context kept; cleanup gets the original", async () => {
    const { mkdir, readFile, writeFile } = await import('node:fs/promises')
    const { parseDocument } = await import('yaml')
    const { testDir } = await import('../temp-dir.js')
    const dir = await testDir('kubewalk-kubeconfig-')
    await mkdir(join(dir, 'certs'))
    const user = join(dir, 'config')
    const text = [
      'apiVersion: v1',
      'kind: Config',
      'current-context: b',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", certificate-authority: certs/ca.crt}}]',
      'contexts: [{name: a, context: {cluster: c, user: u}}, {name: b, context: {cluster: c, user: u, namespace: n}}]',
      'users: [{name: u, user: {token: t}}]',
      '',
    ].join('\n')
    await writeFile(user, text)
    const log = join(dir, 'log')
    const seen = defineCleanup({ describe: 'note the kubeconfig', command: `echo "$KUBECONFIG" >> ${log}` })
    const step = echoStep('a', 'cat "$KUBECONFIG"; echo "current-context: x" >> "$KUBECONFIG"; echo created', {
      creates: { cleanup: seen, createdIf: (o) => o.stdout.includes('created') },
    })
    const r = await run({ ...base, steps: [step], env: { KUBECONFIG: user } })
    expect(r.ok).toBe(true)
    expect(await readFile(user, 'utf8')).toBe(text)
    const copy = parseDocument(r.steps[0]?.output.stdout.replace(/created\n$/, '') ?? '').toJS() as Record<string, any>
    expect(copy['current-context']).toBe('b')
    expect(copy.clusters[0].cluster['certificate-authority']).toBe(join(dir, 'certs', 'ca.crt'))
    expect(copy.contexts.map((c: { name: string }) => c.name)).toEqual(['a', 'b'])
    expect(await readFile(log, 'utf8')).toBe(`${user}\n`)
  })
})

describe('openSession: a run kept open between calls', () => {
  it('carries variables between calls, refuses a step whose input no earlier call set, resets only what it created and closes with the teardown', async () => {
    const { openSession } = await import('../../src/engine/runner.js')
    const { readFile, rm } = await import('node:fs/promises')
    const log = join(tmpdir(), `kubewalk-session-${process.pid}`)
    const made = defineCleanup({ describe: 'remove made', command: `echo made >> ${log}` })
    const gone = defineCleanup({ describe: 'remove namespace', command: `echo teardown >> ${log}` })
    const a = echoStep('a', 'PLAIN=$(echo one); echo created', {
      writes: PLAIN,
      creates: { cleanup: made, createdIf: (o) => o.stdout.includes('created') },
    })
    const b = echoStep('b', 'echo "$PLAIN"', { reads: [PLAIN] })
    const s = await openSession({ ...base, steps: [a, b], teardown: [gone] })
    const first = await s.runSteps([a])
    expect(first.map((r) => r.status)).toEqual(['passed'])
    expect(s.vars.PLAIN).toBe('one')
    expect(s.pending()).toEqual([made])
    expect((await s.runSteps([b]))[0]?.value).toBe('one')
    expect(await s.reset()).toEqual([{ describe: 'remove made', command: `echo made >> ${log}`, status: 'done' }])
    expect(s.vars.PLAIN).toBeUndefined()
    const again = await s.runSteps([b])
    expect(again[0]?.error?.code).toBe('E_MISSING_VAR')
    expect((await s.close()).map((c) => c.describe)).toEqual(['remove namespace'])
    expect(await readFile(log, 'utf8')).toBe('made\nteardown\n')
    await rm(log)
  })
  it('result() is the session as one run: latest result per step in the walkthrough order, cleared by a reset', async () => {
    const { openSession } = await import('../../src/engine/runner.js')
    const a = echoStep('a', 'echo one')
    const b = echoStep('b', 'exit 4')
    const s = await openSession({ ...base, steps: [a, b] })
    const seen: string[] = []
    await s.runSteps([b], {
      onEvent: (e) =>
        e.type === 'step-end' &&
        seen.push(
          s
            .result()
            .steps.map((r) => r.id)
            .join(','),
        ),
    })
    await s.runSteps([a])
    const r = s.result()
    expect(seen).toEqual(['b'])
    expect(r.steps.map((x) => [x.id, x.status])).toEqual([
      ['a', 'passed'],
      ['b', 'failed'],
    ])
    expect(r.status).toBe('failed')
    expect(r.durationMs).toBe(r.steps.reduce((t, x) => t + x.durationMs, 0))
    await s.reset()
    expect(s.result()).toMatchObject({ ok: true, status: 'passed', steps: [], cleanup: [] })
    await s.close()
  })
  it('run owns the teardown even when the run cannot open (no scratch folder)', async () => {
    const { readFile, rm } = await import('node:fs/promises')
    const log = join(tmpdir(), `kubewalk-open-${process.pid}`)
    const gone = defineCleanup({ describe: 'remove namespace', command: `echo teardown >> ${log}` })
    const saved = process.env.TMPDIR
    process.env.TMPDIR = join(tmpdir(), `kubewalk-no-such-dir-${process.pid}`)
    try {
      await expect(run({ ...base, steps: [echoStep('a', 'echo one')], teardown: [gone] })).rejects.toThrow()
    } finally {
      if (saved === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved
    }
    expect(await readFile(log, 'utf8')).toBe('teardown\n')
    await rm(log)
  })
  it('reset removes what a line still running registers meanwhile, and keeps what it could not remove', async () => {
    const { openSession } = await import('../../src/engine/runner.js')
    const { readFile } = await import('node:fs/promises')
    const { testDir } = await import('../temp-dir.js')
    const dir = await testDir('kubewalk-reset-')
    const log = join(dir, 'log')
    const slowGone = defineCleanup({ describe: 'remove first', command: `sleep 0.6; echo first >> ${log}` })
    const lateGone = defineCleanup({ describe: 'remove late', command: `echo late >> ${log}` })
    const stuck = defineCleanup({ describe: 'remove stuck', command: 'exit 3' })
    const first = echoStep('first', 'echo created', { creates: { cleanup: slowGone, createdIf: () => true } })
    const jam = echoStep('jam', 'echo created', { creates: { cleanup: stuck, createdIf: () => true } })
    const late = echoStep('late', 'sleep 0.3; echo created', { creates: { cleanup: lateGone, createdIf: () => true } })
    const s = await openSession({ ...base, steps: [first, jam, late] })
    await s.runSteps([jam, first])
    // The Reset starts while `late` runs; `late` registers its object while the Reset removes the first.
    const running = s.runSteps([late])
    const done = await s.reset()
    await running
    expect(done.map((d) => [d.describe, d.status])).toEqual([
      ['remove first', 'done'],
      ['remove stuck', 'failed'],
      ['remove late', 'done'],
    ])
    expect(await readFile(log, 'utf8')).toBe('first\nlate\n')
    expect(s.pending()).toEqual([stuck])
    await s.close()
  })
})

// Folders the tests below make, removed when the file is done.
const temps: string[] = []
const tempDir = async (prefix: string): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))))

describe('--workdir', () => {
  it('the lines start in a copy of the folder: they read its files, and what they write stays out of it', async () => {
    const dir = await tempDir('kubewalk-workdir-')
    await mkdir(join(dir, 'pods'))
    await writeFile(join(dir, 'pods', 'p.yaml'), 'kind: Pod\n')
    const r = await run({ ...base, workdir: dir, steps: [echoStep('read', 'cat pods/p.yaml; echo x > pods/written; rm pods/p.yaml')] })
    expect(r.steps[0]?.output?.stdout).toBe('kind: Pod\n')
    expect(await readdir(join(dir, 'pods'))).toEqual(['p.yaml'])
    const without = await run({ ...base, steps: [echoStep('read', 'cat pods/p.yaml')] })
    expect(without.steps[0]?.status).toBe('failed')
  })
})

describe("a step's files", () => {
  it("are made in the shell's folder, after the page's own cd, where its reader made them", async () => {
    const dir = await tempDir('kubewalk-files-')
    const r = await run({
      ...base,
      workdir: dir,
      steps: [
        echoStep('cd', 'mkdir -p kustomize/base && cd kustomize'),
        echoStep('read', 'cat base/kustomization.yaml; pwd', {
          files: [{ name: 'base/kustomization.yaml', content: 'resources:\n- deployment.yaml\n' }],
        }),
      ],
    })
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed'])
    expect(r.steps[1]?.output?.stdout).toMatch(/^resources:\n- deployment\.yaml\n.*\/kustomize\n$/)
  })
  it("after a cd out of the scratch folder: never over a file of the user's; what they made there goes at the end", async () => {
    const mine = await tempDir('kubewalk-users-')
    await writeFile(join(mine, 'cm.yaml'), 'MY OWN\n')
    const cm = 'kind: ConfigMap\n'
    const over = await run({
      ...base,
      steps: [echoStep('cd', `cd ${mine}`), echoStep('read', 'cat cm.yaml', { files: [{ name: 'cm.yaml', content: cm }] })],
    })
    expect(over.steps.map((s) => s.status)).toEqual(['passed', 'failed'])
    expect(over.steps[1]?.error?.message).toBe(
      `read: ${join(mine, 'cm.yaml')} is already there, and kubewalk writes the page's cm.yaml over no file of yours (the page's cd took the shell out of the run's scratch folder); move that file away and run again.`,
    )
    expect(await readFile(join(mine, 'cm.yaml'), 'utf8')).toBe('MY OWN\n')
    // A new file (and its new folder) is made, rewritten by a later step of the page, then removed with the folder.
    const made = await run({
      ...base,
      steps: [
        echoStep('cd', `cd ${mine}`),
        echoStep('one', 'cat sub/x.yaml', { files: [{ name: 'sub/x.yaml', content: 'a: 1\n' }] }),
        echoStep('two', 'cat sub/x.yaml; cat cm.yaml', {
          files: [
            { name: 'sub/x.yaml', content: 'a: 2\n' },
            { name: 'cm.yaml', content: 'MY OWN\n' },
          ],
        }),
      ],
    })
    expect(made.steps.map((s) => s.output?.stdout)).toEqual(['', 'a: 1\n', 'a: 2\nMY OWN\n'])
    expect(await readdir(mine)).toEqual(['cm.yaml'])
    expect(await readFile(join(mine, 'cm.yaml'), 'utf8')).toBe('MY OWN\n')
  })
})

describe('a line that deletes', () => {
  it("has the bound a deletion has (a namespace's finalizers, a Pod's grace period), any other line --timeout", async () => {
    // A stand-in kubectl that takes 1.5 s to answer (a namespace's finalizers, a slow server).
    const dir = await tempDir('kubewalk-nsdel-')
    await writeFile(join(dir, 'kubectl'), '#!/bin/sh\nsleep 1.5\necho "$*"\n', { mode: 0o755 })
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } as Record<string, string>
    const opts = { ...base, env, commandTimeoutMs: 700, podDeleteTimeoutMs: 5_000 }
    const deleting = await run({ ...opts, steps: [echoStep('del', 'kubectl delete namespace quota-mem-cpu-example')] })
    expect([deleting.steps[0]?.status, deleting.steps[0]?.output?.stdout]).toEqual(['passed', 'delete namespace quota-mem-cpu-example\n'])
    const pod = await run({ ...opts, steps: [echoStep('pod', 'kubectl delete pod default-mem-demo --namespace=default-mem-example')] })
    expect(pod.steps[0]?.status).toBe('passed')
    const manifest = await run({ ...opts, steps: [echoStep('file', 'kubectl delete -f https://k8s.io/examples/pods/pod-nginx.yaml')] })
    expect(manifest.steps[0]?.status).toBe('passed')
    const other = await run({ ...opts, steps: [echoStep('get', 'kubectl get namespace quota-mem-cpu-example')] })
    expect(other.steps[0]?.status).toBe('failed')
    expect(other.steps[0]?.error?.message).toMatch(/did not finish within/)
  }, 15_000)
  it('an object that goes at once (a Secret, a Role) has --timeout: a server that stops answering ends the line as soon', async () => {
    const dir = await tempDir('kubewalk-secdel-')
    await writeFile(join(dir, 'kubectl'), '#!/bin/sh\nsleep 1.5\necho "$*"\n', { mode: 0o755 })
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } as Record<string, string>
    const opts = { ...base, env, commandTimeoutMs: 700, podDeleteTimeoutMs: 5_000 }
    for (const line of [
      'kubectl delete secret default-token',
      'kubectl delete role/pod-reader rolebinding/read-pods',
      'kubectl -n x delete svc,cm web',
    ]) {
      const r = await run({ ...opts, steps: [echoStep('del', line)] })
      expect([line, r.steps[0]?.status]).toEqual([line, 'failed'])
      expect(r.steps[0]?.error?.message).toMatch(/did not finish within/)
    }
  })
})

describe("the next step's typed guard beside a line that only reads", () => {
  // A kubectl stand-in that logs its start and end around a while (half a second); the guard logs when it runs.
  const setup = async (lineSeconds = 0.5) => {
    const dir = await tempDir('kubewalk-next-guard-')
    const log = join(dir, 'log')
    await writeFile(join(dir, 'kubectl'), `#!/bin/sh\necho "start $1" >> ${log}\nsleep ${lineSeconds}\necho "end $1" >> ${log}\n`, {
      mode: 0o755,
    })
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } as Record<string, string>
    const guarded = (refuse?: string, before = ''): Step<string> =>
      echoStep('b', `echo ran-b >> ${log}`, {
        guard: { command: `${before}echo guard >> ${log}; echo ${refuse ?? ''}`, refuse: (o) => o.stdout.trim() || undefined },
      })
    const order = async () => (await readFile(log, 'utf8')).trim().split('\n')
    // Beside: the guard ran before the line ended (it may start just before or after the stand-in does).
    const beside = async (verb: string, after: string[] = []) =>
      expect(await order()).toSatisfy((o: string[]) =>
        [
          ['guard', `start ${verb}`, `end ${verb}`],
          [`start ${verb}`, 'guard', `end ${verb}`],
        ].some((head) => JSON.stringify(o) === JSON.stringify([...head, ...after])),
      )
    return { env, guarded, order, beside, dir }
  }
  it('runs while a lone `kubectl get` runs, and its answer is the one used', async () => {
    const { env, guarded, beside } = await setup()
    const r = await run({ ...base, env, steps: [echoStep('a', 'kubectl get secrets'), guarded()] })
    expect(r.ok).toBe(true)
    await beside('get', ['ran-b'])
    const refused = await setup()
    const r2 = await run({ ...base, env: refused.env, steps: [echoStep('a', 'kubectl get secrets'), refused.guarded('it is there')] })
    expect(r2.steps[1]?.error).toMatchObject({ code: 'E_PRECONDITION', message: 'b: it is there.' })
    await refused.beside('get')
  })
  it.each([
    ['a line that changes', 'kubectl apply -f x.yaml', 'apply'],
    ['a read in a pipe', 'kubectl get secrets | cat', 'get'],
  ])('waits for the line when it is %s', async (_, line, verb) => {
    const { env, guarded, order } = await setup()
    const r = await run({ ...base, env, steps: [echoStep('a', line), guarded()] })
    expect(r.ok).toBe(true)
    expect(await order()).toEqual([`start ${verb}`, `end ${verb}`, 'guard', 'ran-b'])
  })
  it('asks again after a pause between the steps, and waits for the line when it sets a variable', async () => {
    const paced = await setup()
    const pause = async (_: Step, i: number): Promise<'run'> => {
      if (i === 1) await new Promise((r) => setTimeout(r, 1_200))
      return 'run'
    }
    await run({ ...base, env: paced.env, beforeStep: pause, steps: [echoStep('a', 'kubectl get secrets'), paced.guarded()] })
    await paced.beside('get', ['guard', 'ran-b'])
    const writes = await setup()
    await run({ ...base, env: writes.env, steps: [echoStep('a', 'kubectl get secrets', { writes: PLAIN }), writes.guarded()] })
    expect(await writes.order()).toEqual(['start get', 'end get', 'guard', 'ran-b'])
  })
  it('asks again when the line took longer than its answer stays fresh, or when the early guard failed', async () => {
    const long = await setup(1.2)
    await run({ ...base, env: long.env, steps: [echoStep('a', 'kubectl get secrets'), long.guarded()] })
    await long.beside('get', ['guard', 'ran-b'])
    // A guard that fails the first time (a login plugin that wanted the terminal) is asked again, and its second answer stands.
    const failed = await setup()
    const once = `[ -e ${join(failed.dir, 'once')} ] || { touch ${join(failed.dir, 'once')}; echo guard >> ${join(failed.dir, 'log')}; exit 1; }; `
    const r = await run({ ...base, env: failed.env, steps: [echoStep('a', 'kubectl get secrets'), failed.guarded(undefined, once)] })
    expect(r.ok).toBe(true)
    await failed.beside('get', ['guard', 'ran-b'])
  })
  it('a guard started for a step the run never reaches is stopped when the run returns, not left running', async () => {
    const { env, guarded, order } = await setup()
    const failing = echoStep('a', 'kubectl get secrets', { check: () => [equal('fails', 1, 2)] })
    const r = await run({ ...base, env, steps: [failing, guarded(undefined, 'sleep 1; ')] })
    expect(r.steps.map((s) => s.status)).toEqual(['failed', 'skipped'])
    await new Promise((done) => setTimeout(done, 1_500))
    expect(await order()).toEqual(['start get', 'end get'])
  })
})
