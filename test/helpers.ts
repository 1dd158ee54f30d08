import { readFileSync } from 'node:fs'
import { ARTICLE } from '../src/article.js'
import type { KubeconfigCluster, StepContext, StepOutput } from '../src/step.js'

/** Reads a fixture under test/fixtures; `article/…` are the article's recordings, in article/recorded. */
export const fixture = (path: string): string =>
  readFileSync(new URL(path.startsWith('article/') ? `../article/recorded/${path.slice('article/'.length)}` : `./fixtures/${path}`, import.meta.url), 'utf8')

export const articleCluster: KubeconfigCluster = { name: 'test', server: 'https://127.0.0.1:32784' }

export function ctx(over: Partial<StepContext> = {}): StepContext {
  return { vars: {}, cluster: articleCluster, clusters: [articleCluster], expectedTokenLifetimeSeconds: 3600, values: new Map(), now: ARTICLE.recordedAt, ...over }
}

export function output(over: Partial<StepOutput> = {}): StepOutput {
  return { stdout: '', stderr: '', exitCode: 0, ...over }
}
