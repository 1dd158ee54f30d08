import { readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import type { Io } from '../src/faces/args.js'
import { ARTICLE } from '../steps/lib/recorded.js'
import { createCli } from '../src/faces/cli.js'
import { walkthroughs } from '../walkthroughs/index.js'
import type { KubeconfigCluster, StepContext, StepOutput } from '../src/core/step.js'
import { stringify } from 'yaml'

/** Reads a fixture under test/fixtures; `article/…` are the article's recordings, in article/recorded. */
export const fixture = (path: string): string =>
  readFileSync(
    new URL(path.startsWith('article/') ? `../article/recorded/${path.slice('article/'.length)}` : `./fixtures/${path}`, import.meta.url),
    'utf8',
  )

export const articleCluster: KubeconfigCluster = { name: 'test', server: 'https://127.0.0.1:32784' }

/** A kubeconfig with a context per cluster (named like it), the first one current, all as user `u`. */
export function kubeconfigYaml(clusters: KubeconfigCluster[], user: Record<string, string> = { token: 'x' }): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': clusters[0]?.name,
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.server } })),
    users: [{ name: 'u', user }],
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: 'u' } })),
  })
}

export function ctx(over: Partial<StepContext> = {}): StepContext {
  return {
    vars: {},
    cluster: articleCluster,
    clusters: [articleCluster],
    namespace: 'default',
    settings: { 'token-lifetime': 3600 },
    values: new Map(),
    now: ARTICLE.recordedAt,
    ...over,
  }
}

export function output(over: Partial<StepOutput> = {}): StepOutput {
  return { stdout: '', stderr: '', exitCode: 0, ...over }
}

/** Output sinks for the CLI's main(), with what was written to each. */
export function captureIo(env: Record<string, string | undefined> = {}) {
  const out: string[] = []
  const err: string[] = []
  const sinks: Io = { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTTY: false, env }
  return { sinks, out: () => out.join(''), err: () => err.join('') }
}

/** Pids of live (non-zombie) processes whose command line mentions `text`: what a test must not leave behind. */
export async function liveProcesses(text: string): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue
      if ((await readFile(`/proc/${entry}/cmdline`, 'utf8')).replace(/\0/g, ' ').includes(text)) found.push(Number(entry))
    } catch {
      // exited while we looked
    }
  }
  return found
}

/** The CLI over kubewalk's own registry, as bin/kubewalk.js runs it. */
export const main = createCli(walkthroughs)
