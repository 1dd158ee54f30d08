// The docs reader over every page of the corpus (test/fixtures/docs/, CC BY 4.0 and Apache-2.0, see its
// README). The facts asserted were read off each page by eye: how many commands it has on the host and
// in a container, which example files it shows, its placeholders, which outputs it shows (none may be
// taken for a command), which lines run in another terminal.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readDocsPage, type DocsCommand, type DocsPage } from '../../../src/sources/docs/index.js'

const root = new URL('../../fixtures/docs/', import.meta.url)
const corpus = JSON.parse(readFileSync(new URL('corpus.json', root), 'utf8')) as {
  pages: { slug: string; examples: string[]; missingExamples?: string[] }[]
}
const examplesDir = new URL('examples/', root).pathname

interface Facts {
  /** Commands typed on the host. */
  host: number
  /** Lines typed in a container, by Pod. */
  container?: Record<string, number>
  /** Placeholders, as written. */
  placeholders?: string[]
  /** First lines of blocks the page shows as output (or as a file, or a fragment): never a command. */
  notCommands: string[]
  /** Commands that keep running in another terminal while the page goes on. */
  background?: string[]
  /** The interactive shells lines open: pod (container). */
  opens?: string[]
  requires?: string
}

const facts: Record<string, Facts> = {
  'define-command-argument-container': { host: 3, notCommands: ['command-demo', 'command: ["/bin/sh"]', 'env:'] },
  'define-environment-variable-container': {
    host: 3,
    notCommands: ['NAME            READY     STATUS    RESTARTS   AGE', 'NODE_VERSION=4.4.2', 'apiVersion: v1'],
  },
  'configure-volume-storage': {
    host: 5,
    container: { redis: 8 },
    placeholders: ['<pid>'],
    notCommands: [
      'NAME      READY     STATUS    RESTARTS   AGE',
      'USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
      'test-file',
    ],
    background: ['kubectl get pod redis --watch'],
    opens: ['redis', 'redis'],
  },
  'automated-tasks-with-cron-jobs': {
    host: 7,
    placeholders: ['hello-4111706356'],
    notCommands: ['cronjob.batch/hello created', 'NAME    SCHEDULE      SUSPEND   ACTIVE   LAST SCHEDULE   AGE', 'Fri Feb 22 11:02:09 UTC 2019'],
    requires: '1.8',
  },
  'run-stateless-application-deployment': {
    host: 9,
    placeholders: ['<pod-name>'],
    notCommands: [
      'user@computer:~/website$ kubectl describe deployment nginx-deployment',
      'NAME                               READY     STATUS    RESTARTS   AGE',
    ],
    requires: '1.9',
  },
  'expose-external-ip-address': {
    host: 12,
    placeholders: ['<external-ip>', '<port>'],
    notCommands: ['NAME         TYPE           CLUSTER-IP     EXTERNAL-IP      PORT(S)    AGE', 'Name:           my-service', 'Hello Kubernetes!'],
  },
  'memory-default-namespace': { host: 10, notCommands: ['containers:', 'resources:'] },
  'namespaces-walkthrough': { host: 20, notCommands: ['NAME      STATUS    AGE', 'apiVersion: v1', 'lithe-cocoa-92103_kubernetes', 'dev'] },
  'quota-pod-namespace': { host: 6, notCommands: ['spec:'] },
  'http-proxy-access-api': { host: 4, notCommands: ['{'] },
  'distribute-credentials-secure': {
    host: 19,
    container: { 'secret-test-pod': 3 },
    notCommands: [
      'NAME          TYPE      DATA      AGE',
      'Name:       test-secret',
      'password username',
      'my-app',
      'backend-admin',
      'DB_USERNAME=db-admin',
      'username: my-app',
    ],
    opens: ['secret-test-pod'],
    requires: '1.6',
  },
  'get-shell-running-container': {
    host: 8,
    container: { 'shell-demo': 16 },
    notCommands: ['Hello shell demo'],
    opens: ['shell-demo', 'my-pod (main-app)'],
  },
  'environment-variable-expose-pod-information': {
    host: 7,
    container: { 'dapi-envars-fieldref': 1 },
    notCommands: ['minikube', 'MY_POD_SERVICE_ACCOUNT=default', '1'],
    opens: ['dapi-envars-fieldref'],
  },
  'horizontal-pod-autoscale-walkthrough': {
    host: 11,
    container: { 'load-generator': 1 },
    notCommands: [
      'FROM php:5-apache',
      '<?php',
      'deployment.apps/php-apache created',
      'Hit enter for command prompt',
      'Name:                           cm-test',
      'type: Pods',
    ],
    background: ['kubectl run -it --rm load-generator --image=busybox /bin/sh'],
    opens: ['load-generator'],
  },
  'managing-secret-using-kubectl': {
    host: 11,
    notCommands: [
      'secret/db-user-pass created',
      '{"password":"MWYyZDFlMmU2N2Rm","username":"YWRtaW4="}',
      '1f2d1e2e67df',
      'Name:            db-user-pass',
    ],
  },
  'k8s101-creating-and-managing-pods': {
    host: 11,
    placeholders: ['<pod-name>', '<token>'],
    notCommands: [],
    background: ['kubectl port-forward monolith 10080:80'],
    opens: ['monolith (monolith)'],
  },
  'k8s101-monitoring-and-health-checks': { host: 11, placeholders: ['<pod-name>'], notCommands: [] },
  'k8s101-creating-and-managing-deployments': { host: 18, placeholders: ['<EXTERNAL-IP>'], notCommands: [] },
}

const pages = new Map<string, DocsPage>()
const read = (slug: string): DocsPage => {
  let p = pages.get(slug)
  if (p === undefined) {
    const file = new URL(`${slug}/page.md`, root).pathname
    p = readDocsPage(file, readFileSync(file, 'utf8'), { examplesDir })
    pages.set(slug, p)
  }
  return p
}
const commands = (p: DocsPage): DocsCommand[] => p.items.filter((i): i is DocsCommand => i.kind === 'command')

describe('every corpus page', () => {
  it('has its facts written down here', () => {
    expect(Object.keys(facts).sort()).toEqual(corpus.pages.map((p) => p.slug).sort())
  })

  describe.each(corpus.pages.map((p) => [p.slug, p] as const))('%s', (slug, entry) => {
    const f = facts[slug] as Facts
    it('has as many commands on the host as the page shows', () => {
      expect(commands(read(slug)).filter((c) => c.container === undefined)).toHaveLength(f.host)
    })
    it('marks the lines typed in a container, with their Pod', () => {
      const inside: Record<string, number> = {}
      for (const c of commands(read(slug)))
        if (c.container) inside[c.container.shell?.pod ?? '(no exec)'] = (inside[c.container.shell?.pod ?? '(no exec)'] ?? 0) + 1
      expect(inside).toEqual(f.container ?? {})
    })
    it('shows the example files corpus.json lists, with their content, and reports the missing ones', () => {
      const p = read(slug)
      const examples = p.items.filter((i) => i.kind === 'file' && i.source === 'example')
      expect(examples.map((e) => (e.kind === 'file' ? e.name : ''))).toEqual(entry.examples)
      for (const e of examples) {
        if (e.kind !== 'file' || e.name === undefined) continue
        if (entry.missingExamples?.includes(e.name)) expect(e.content).toBeUndefined()
        else expect(e.content).toBe(readFileSync(`${examplesDir}${e.name}`, 'utf8'))
      }
      expect(p.missing.map((m) => m.file)).toEqual(entry.missingExamples ?? [])
    })
    it('finds its placeholders', () => {
      expect(commands(read(slug)).flatMap((c) => c.placeholders.map((x) => x.written))).toEqual(f.placeholders ?? [])
    })
    it('takes no output, file or fragment for a command', () => {
      const texts = commands(read(slug)).map((c) => c.text.split('\n')[0]?.trim())
      for (const line of f.notCommands) expect(texts).not.toContain(line)
    })
    it('runs in the background only what the page runs in another terminal', () => {
      expect(
        commands(read(slug))
          .filter((c) => c.background)
          .map((c) => c.text),
      ).toEqual(f.background ?? [])
    })
    it('knows which lines open a shell in a container', () => {
      expect(
        commands(read(slug))
          .filter((c) => c.opens)
          .map((c) => `${c.opens?.pod}${c.opens?.container ? ` (${c.opens.container})` : ''}`),
      ).toEqual(f.opens ?? [])
    })
    it('reads min-kubernetes-server-version as a requirement', () => {
      expect(read(slug).requires?.kubernetes).toBe(f.requires)
    })
  })
})

describe('what the pages say, line by line', () => {
  it('gives each command the source line it is on', () => {
    const lines = readFileSync(new URL('configure-volume-storage/page.md', root), 'utf8').split('\n')
    for (const c of commands(read('configure-volume-storage'))) expect(lines[c.line - 1]).toContain(c.text.split('\n')[0])
  })
  it('keeps trailing comments and continuations as written', () => {
    const set = commands(read('namespaces-walkthrough')).filter((c) => c.text.startsWith('kubectl config set-context'))
    expect(set.map((c) => c.text)).toEqual([
      'kubectl config set-context dev --namespace=development \\\n  --cluster=lithe-cocoa-92103_kubernetes \\\n  --user=lithe-cocoa-92103_kubernetes',
      'kubectl config set-context prod --namespace=production \\\n  --cluster=lithe-cocoa-92103_kubernetes \\\n  --user=lithe-cocoa-92103_kubernetes',
    ])
  })
  it('gives an output to the command right before it, across "The output is similar to:"', () => {
    const get = commands(read('automated-tasks-with-cron-jobs')).find((c) => c.text === 'kubectl get cronjob hello')
    expect(get?.output?.text).toBe(
      'NAME    SCHEDULE      SUSPEND   ACTIVE   LAST SCHEDULE   AGE\nhello   */1 * * * *   False     0        <none>          10s',
    )
  })
  it("reads the output after a container prompt line as that line's", () => {
    const ls = commands(read('configure-volume-storage')).filter((c) => c.text === 'ls')
    expect(ls.map((c) => [c.container?.prompt, c.output?.text])).toEqual([['root@redis:/data/redis#', 'test-file']])
  })
  it('marks the lines that keep running', () => {
    expect(
      commands(read('http-proxy-access-api'))
        .filter((c) => c.longRunning)
        .map((c) => c.text),
    ).toEqual(['kubectl proxy --port=8080'])
  })
  it('keeps the comment before a line, and finds what it says to replace', () => {
    const pods = commands(read('automated-tasks-with-cron-jobs')).find((c) => c.text.startsWith('pods='))
    expect(pods?.comment).toBe('Replace "hello-4111706356" with the job name in your system')
  })
})

describe('corpus.json', () => {
  type Entry = {
    slug: string
    source: { repo: string; path: string; commit: string; url: string }
    licence: string
    needsNode: boolean
    images: { image: string; standIn: string }[]
    examples: string[]
    workdir?: string
    files?: string[]
    expected: { verdict: 'passes' } | { verdict: 'fails'; step: string; why: string } | { verdict: 'needs'; what: string }
  }
  const entries = corpus.pages as unknown as Entry[]
  it('holds at least 15 kubernetes/website pages and 3 from elsewhere, each with its verdict', () => {
    expect(entries.filter((e) => e.source.repo === 'kubernetes/website').length).toBeGreaterThanOrEqual(15)
    expect(entries.filter((e) => e.source.repo !== 'kubernetes/website').length).toBeGreaterThanOrEqual(3)
    expect(new Set(entries.map((e) => e.expected.verdict))).toEqual(new Set(['passes', 'fails', 'needs']))
  })
  it.each(entries.map((e) => [e.slug, e] as const))(
    '%s: a source at a commit, a licence, images with stand-ins, a verdict of the right shape',
    (slug, e) => {
      expect(e.source.commit).toMatch(/^[0-9a-f]{40}$/)
      expect(e.source.url).toMatch(/^https:\/\//)
      expect(e.licence).toMatch(e.source.repo === 'kubernetes/website' ? /^CC BY 4\.0$/ : /^Apache-2\.0/)
      expect(typeof e.needsNode).toBe('boolean')
      for (const i of e.images) expect([typeof i.image, i.standIn.length > 0]).toEqual(['string', true])
      const text = readFileSync(new URL(`${slug}/page.md`, root), 'utf8')
      // Every image a page's lines or examples name is listed with its stand-in.
      const manifests = [
        ...e.examples.filter((x) => !(corpus.pages.find((p) => p.slug === slug)?.missingExamples ?? []).includes(x)).map((x) => `examples/${x}`),
        ...(e.files ?? []).map((f) => `${e.workdir}/${f}`),
      ]
      const named = [
        ...text.matchAll(/--image=(\S+)/g),
        ...manifests.flatMap((m) => [...readFileSync(new URL(m, root), 'utf8').matchAll(/image"?:\s*"?([^\s",]+)/g)]),
      ].map((m) => m[1])
      for (const n of named) expect(e.images.map((i) => i.image)).toContain(n)
      if (e.expected.verdict === 'fails') {
        expect(e.expected.why.length).toBeGreaterThan(10)
        // The failing step is a line of the page, as written.
        expect(text).toContain(e.expected.step)
      }
      if (e.expected.verdict === 'needs') expect(e.expected.what.length).toBeGreaterThan(3)
    },
  )
})
