// --interactive the way a person uses it: a real terminal (tmux), keys sent, the screen read.
import { execa } from 'execa'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { secretExists } from './kube.js'

const kubeconfig = inject('labKubeconfig')
const skipReason = inject('labSkipReason')
const BIN = fileURLToPath(new URL('../../bin/kubewalk.js', import.meta.url))
const tmuxMissing = (await execa('tmux', ['-V'], { reject: false }).catch(() => ({ exitCode: 1 }))).exitCode !== 0
const session = `kubewalk-${process.pid}`

let dir: string
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'kubewalk-tty-'))))
afterAll(async () => {
  await execa('tmux', ['kill-session', '-t', session], { reject: false })
  await rm(dir, { recursive: true, force: true })
})

const tmux = (...args: string[]) => execa('tmux', args, { reject: false })
// A tmux server already running gives a new session its own environment: this worker's PATH (the lab's kubectl first) instead.
const ourPath = ['-e', `PATH=${process.env.PATH ?? ''}`]
const screen = async (): Promise<string> => (await tmux('capture-pane', '-p', '-J', '-S', '-2000', '-t', session)).stdout

/** Waits (bounded) until the screen shows `text`; returns the screen. */
async function waitFor(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const s = await screen()
    if (typeof text === 'string' ? s.includes(text) : text.test(s)) return s
    if (Date.now() > until) throw new Error(`screen never showed ${String(text)}; it shows:\n${s}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe.skipIf(kubeconfig === '' || tmuxMissing)(`--interactive in a terminal ${skipReason}${tmuxMissing ? '(tmux missing)' : ''}`, () => {
  it('explains each step, waits for a key, runs, skips or quits with cleanup', async () => {
    const exitFile = join(dir, 'exit')
    const cmd = `NO_COLOR=1 node ${BIN} run --interactive --kubeconfig ${kubeconfig}; echo $? > ${exitFile}; sleep 60`
    await tmux('new-session', '-d', ...ourPath, '-s', session, '-x', '160', '-y', '50', cmd)

    // The first step's explanation (from walkthrough.md) and command show before anything runs.
    let s = await waitFor('[Enter] run list-clusters')
    expect(s).toContain('This command reads your kubeconfig')
    expect(s).toContain('$ kubectl config view -o jsonpath=\'{"Cluster name\\tServer\\n"}')
    expect(s).not.toContain('✔ 01/14')

    await tmux('send-keys', '-t', session, 'Enter')
    s = await waitFor('[Enter] run set-cluster-name')
    expect(s).toContain('✔ 01/14 list-clusters')

    for (const next of ['apiserver-url', 'create-token', 'call-api', 'token-duration']) {
      await tmux('send-keys', '-t', session, 'Enter')
      await waitFor(`[Enter] run ${next}`)
    }
    // Skip the -v=8 step: later steps do not need it.
    await tmux('send-keys', '-t', session, 's')
    s = await waitFor('[Enter] run list-secrets-before')
    expect(s).toContain('06/14 token-duration: skipped (you chose to skip it)')

    for (const next of ['apply-token-secret', 'list-secrets-after']) {
      await tmux('send-keys', '-t', session, 'Enter')
      await waitFor(`[Enter] run ${next}`)
    }
    expect(await secretExists(kubeconfig, 'default-token')).toBe(true)

    // Quit while the Secret exists: cleanup removes it.
    await tmux('send-keys', '-t', session, 'q')
    s = await waitFor('✓ delete Secret default-token')
    // A quit is the user's choice, not a failure, and the summary says so.
    s = await waitFor(/■ you quit after \d+ step\(s\)/)
    expect(s).not.toMatch(/failed:/)
    const code = await (async () => {
      for (let i = 0; i < 100; i++) {
        const text = await readFile(exitFile, 'utf8').catch(() => '')
        if (text.trim() !== '') return Number(text)
        await new Promise((r) => setTimeout(r, 100))
      }
      return NaN
    })()
    expect(code).toBe(130)
    expect(await secretExists(kubeconfig, 'default-token')).toBe(false)
    expect(await screen()).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./)
  })

  it('steps through a Markdown walkthrough: its prose, a key per step, and a quit that removes what it created', async () => {
    const md = join(dir, 'tty-walkthrough.md')
    // Our own, written for this test: two sections, each prose then a command and its output block.
    await writeFile(
      md,
      [
        '# A ConfigMap, step by step',
        '',
        '## Make it',
        '',
        'Create a ConfigMap holding one key, from a literal.',
        '',
        '```bash',
        'kubectl create configmap kubewalk-tty-md --from-literal=colour=blue',
        '```',
        '',
        '```',
        'configmap/kubewalk-tty-md created',
        '```',
        '',
        '## Read it back',
        '',
        'Read the key back with a JSONPath.',
        '',
        '```bash',
        "kubectl get configmap kubewalk-tty-md -o jsonpath='{.data.colour}'",
        '```',
        '',
        '```',
        'blue',
        '```',
        '',
      ].join('\n'),
    )
    const md2 = `${session}-md`
    const exitFile = join(dir, 'exit-md')
    const cmd = `NO_COLOR=1 node ${BIN} run --walkthrough ${md} --interactive --kubeconfig ${kubeconfig}; echo $? > ${exitFile}; sleep 60`
    await tmux('new-session', '-d', ...ourPath, '-s', md2, '-x', '160', '-y', '50', cmd)
    const view = async (): Promise<string> => (await tmux('capture-pane', '-p', '-J', '-S', '-2000', '-t', md2)).stdout
    const until = async (text: string | RegExp): Promise<string> => {
      for (let i = 0; i < 300; i++) {
        const v = await view()
        if (typeof text === 'string' ? v.includes(text) : text.test(v)) return v
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`never showed ${String(text)}: ${await view()}`)
    }
    try {
      let v = await until('[Enter] run make-it')
      expect(v).toContain('▶ 01/2 make-it — Make it')
      expect(v).toContain('Create a ConfigMap holding one key, from a literal.')
      // The section's heading is the step's title, shown once.
      expect(v).not.toContain('## Make it')
      expect(v).toContain('$ kubectl create configmap kubewalk-tty-md --from-literal=colour=blue')
      expect(v).not.toContain('✔ 01/2')
      await tmux('send-keys', '-t', md2, 'Enter')
      v = await until('[Enter] run read-it-back')
      expect(v).toContain('✔ 01/2 make-it')
      expect(v).toContain('Read the key back with a JSONPath.')
      expect(
        (await execa('kubectl', ['--kubeconfig', kubeconfig, 'get', 'configmap', 'kubewalk-tty-md', '-o', 'name'], { reject: false })).stdout,
      ).toBe('configmap/kubewalk-tty-md')
      await tmux('send-keys', '-t', md2, 'q')
      v = await until(/■ you quit after 1 step\(s\)/)
      expect(v).toContain('✓ delete configmap/kubewalk-tty-md')
      let code = NaN
      for (let i = 0; i < 100 && Number.isNaN(code); i++) {
        const text = await readFile(exitFile, 'utf8').catch(() => '')
        if (text.trim() !== '') code = Number(text)
        else await new Promise((r) => setTimeout(r, 100))
      }
      expect(code).toBe(130)
      const left = await execa('kubectl', ['--kubeconfig', kubeconfig, 'get', 'configmap', 'kubewalk-tty-md', '--ignore-not-found', '-o', 'name'], {
        reject: false,
      })
      expect(left.exitCode).toBe(0)
      expect(left.stdout).toBe('')
    } finally {
      await tmux('kill-session', '-t', md2)
    }
  })

  it('wraps the prose at the terminal width on word boundaries, and follows a resize', async () => {
    const narrow = `${session}-narrow`
    const exitFile = join(dir, 'exit-narrow')
    const cmd = `NO_COLOR=1 node ${BIN} run --walkthrough rbac-pods --interactive --kubeconfig ${kubeconfig}; echo $? > ${exitFile}; sleep 60`
    await tmux('new-session', '-d', ...ourPath, '-s', narrow, '-x', '60', '-y', '50', cmd)
    try {
      const view = async (): Promise<string> => (await tmux('capture-pane', '-p', '-J', '-S', '-2000', '-t', narrow)).stdout
      const until = async (text: string): Promise<string> => {
        for (let i = 0; i < 300; i++) {
          const v = await view()
          if (v.includes(text)) return v
          await new Promise((r) => setTimeout(r, 100))
        }
        throw new Error(`never showed ${text}: ${await view()}`)
      }
      // The prose between a step's heading and its command line (-J joins what the terminal itself wrapped).
      const prose = (v: string, heading: string): string[] => {
        const lines = v.split('\n')
        const from = lines.findIndex((l) => l.startsWith(heading))
        const to = lines.findIndex((l, i) => i > from && l.trimStart().startsWith('$ '))
        return lines.slice(from + 1, to).filter((l) => l.trim() !== '')
      }
      let v = await until('[Enter] run apiserver-url')
      const first = prose(v, '▶ 01/12 apiserver-url')
      expect(first.length).toBeGreaterThan(1)
      for (const l of first) expect(l.length, l).toBeLessThanOrEqual(60)
      // No word cut: the lines are the prose's own words, in order.
      expect(first.join(' ').replace(/\s+/g, ' ')).toBe(
        '`--minify` keeps only what the current context uses, so the first (and only) cluster is the one kubectl talks to.',
      )

      await tmux('resize-window', '-t', narrow, '-x', '140', '-y', '50')
      await tmux('send-keys', '-t', narrow, 'Enter')
      v = await until('[Enter] run read-namespace')
      const second = prose(v, '▶ 02/12 read-namespace')
      expect(Math.max(...second.map((l) => l.length))).toBeGreaterThan(60)
      for (const l of second) expect(l.length, l).toBeLessThanOrEqual(140)
      await tmux('send-keys', '-t', narrow, 'q')
      await until('you quit')
    } finally {
      await tmux('kill-session', '-t', narrow)
    }
  })
})
