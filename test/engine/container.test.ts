// The in-container session's framing, with a local shell standing in for `kubectl exec -i POD -- sh`:
// the same bytes go over the same three pipes, so what is tested is kubewalk's framing, not kubectl's.
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { containerLabel, execArgv, openContainerSession, type ContainerSession } from '../../src/engine/container.js'
import { testDir } from '../temp-dir.js'

const SHELLS: [string, string[]][] = [
  ['busybox sh', ['/bin/busybox', 'sh']],
  ['dash', ['dash']],
  ['bash', ['bash', '--norc', '--noprofile']],
]
const available = SHELLS.filter(([, argv]) => !argv[0]?.startsWith('/') || existsSync(argv[0] as string))

const open: ContainerSession[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()))
})

async function session(argv: string[]): Promise<ContainerSession> {
  const s = openContainerSession({ target: { pod: 'p' }, env: {}, cwd: await testDir('kubewalk-container-'), argv })
  open.push(s)
  return s
}
const line = { timeoutMs: 10_000 }

describe('the kubectl line that opens the session', () => {
  it.each([
    [{ pod: 'web' }, ['kubectl', 'exec', '-i', 'web', '--', 'sh'], 'web'],
    [{ pod: 'web', container: 'nginx' }, ['kubectl', 'exec', '-i', 'web', '-c', 'nginx', '--', 'sh'], 'web/nginx'],
  ])('%j: no -t, sh', (target, argv, label) => {
    expect(execArgv(target)).toEqual(argv)
    expect(containerLabel(target)).toBe(label)
  })
})

describe.each(available)('framed lines in %s', (_name, argv) => {
  it('cd and variables persist from line to line; $X is the shell’s own', async () => {
    const s = await session(argv)
    expect((await s.run('cd /tmp', line)).exitCode).toBe(0)
    expect((await s.run('X=41; X=$((X+1))', line)).exitCode).toBe(0)
    const r = await s.run('pwd; echo "$X"', line)
    expect([r.stdout, r.stderr, r.exitCode]).toEqual(['/tmp\n42\n', '', 0])
  })
  it('separates stderr from stdout, and gives a non-zero exit status', async () => {
    const s = await session(argv)
    const r = await s.run('echo out; echo err >&2; (exit 7)', line)
    expect([r.stdout, r.stderr, r.exitCode, r.ended]).toEqual(['out\n', 'err\n', 7, undefined])
    expect((await s.run('false', line)).exitCode).toBe(1)
    expect((await s.run('echo still here', line)).stdout).toBe('still here\n')
  })
  it('keeps output without a trailing newline, and bytes that are not UTF-8', async () => {
    const s = await session(argv)
    expect((await s.run("printf 'no newline'", line)).stdout).toBe('no newline')
    const r = await s.run("printf '\\001\\377\\000x'", line)
    expect([...r.raw.stdout]).toEqual([1, 255, 0, 120])
  })
  it('a line printing the marker text (an earlier one, or its prefix) does not end its frame', async () => {
    const s = await session(argv)
    const r = await s.run("printf '\\036kubewalk-0000 0\\n'; echo after", line)
    expect([r.stdout, r.exitCode]).toEqual(['\u001ekubewalk-0000 0\nafter\n', 0])
    expect((await s.run('echo next', line)).stdout).toBe('next\n')
  })
  it('a line that reads stdin reads nothing and cannot eat the next line; a multi-line line runs whole', async () => {
    const s = await session(argv)
    expect((await s.run('cat', line)).stdout).toBe('')
    const r = await s.run('for i in 1 2; do\n  echo "n$i"\ndone\ncat <<EOF\nhere\nEOF', line)
    expect([r.stdout, r.exitCode]).toEqual(['n1\nn2\nhere\n', 0])
    expect((await s.run('echo ok', line)).stdout).toBe('ok\n')
  })
  it('a line’s `exec >/dev/null` hides its own output, not the next line’s nor the frame', async () => {
    const s = await session(argv)
    const r = await s.run('exec >/dev/null 2>&1; echo hidden; echo hidden >&2', line)
    expect([r.stdout, r.stderr, r.exitCode]).toEqual(['', '', 0])
    const next = await s.run('echo visible; echo err >&2', line)
    expect([next.stdout, next.stderr]).toEqual(['visible\n', 'err\n'])
  })
  it('a syntax error is the line’s failure, not the session’s end', async () => {
    const s = await session(argv)
    const r = await s.run('echo "unterminated', line)
    expect(r.exitCode).not.toBe(0)
    expect(r.ended).toBeUndefined()
    expect((await s.run('echo ok', line)).stdout).toBe('ok\n')
  })
  it('`exit 3` ends the session with its status; the next line opens a new shell (state gone)', async () => {
    const s = await session(argv)
    await s.run('Y=1', line)
    const r = await s.run('exit 3', line)
    expect([r.exitCode, typeof r.ended]).toEqual([3, 'string'])
    expect((await s.run('echo "[$Y]"', line)).stdout).toBe('[]\n')
  })
})

describe('stopping a line', () => {
  it('a timeout kills the session and says so; the next line opens a new one', async () => {
    const s = await session(['sh'])
    await s.run('Z=1', line)
    const began = performance.now()
    const r = await s.run('echo before; sleep 30', { timeoutMs: 300 })
    expect(performance.now() - began).toBeLessThan(5_000)
    expect([r.timedOut, r.exitCode, r.stdout]).toEqual([true, null, 'before\n'])
    expect(r.ended).toMatch(/stopped at its timeout.*killed/)
    expect((await s.run('echo "[$Z]"', line)).stdout).toBe('[]\n')
  })
  it('an abort (Ctrl-C) stops the running line; one aborted before it begins never runs', async () => {
    const s = await session(['sh'])
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 200)
    const r = await s.run('sleep 30', { timeoutMs: 10_000, signal: ac.signal })
    expect([r.aborted, r.timedOut]).toEqual([true, false])
    expect(r.ended).toMatch(/interrupted/)
    const dir = await testDir('kubewalk-container-')
    const never = await s.run(`touch ${dir}/ran`, { timeoutMs: 10_000, signal: ac.signal })
    expect([never.aborted, existsSync(`${dir}/ran`)]).toEqual([true, false])
  })
  it('a shell that cannot start (kubectl missing, Pod not found) is the line’s failure, with what it said', async () => {
    const s = await session(['sh', '-c', 'echo "Error from server (NotFound): pods \\"p\\" not found" >&2; exit 1'])
    const r = await s.run('ls', line)
    expect([r.exitCode, r.stderr.trim()]).toEqual([1, 'Error from server (NotFound): pods "p" not found'])
    expect(r.ended).toMatch(/ended \(exit code 1\)/)
    const missing = await session(['/nonexistent/kubectl'])
    expect((await missing.run('ls', line)).ended).toMatch(/could not be started/)
  })
  it('close() ends the shell; a line after it does not run', async () => {
    const s = await session(['sh'])
    await s.run('true', line)
    await s.close()
    expect((await s.run('echo no', line)).ended).toMatch(/closed/)
  })
})
