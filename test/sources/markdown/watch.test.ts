import { chmod, writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { run } from '../../../src/engine/runner.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import {
  isWatch,
  latestRows,
  LOGS_WAIT_MS,
  logsWait,
  recordedProgress,
  recordedStatuses,
  STATUS_WAIT_MS,
  statusWait,
  WATCH_MS,
  watchOf,
} from '../../../src/sources/markdown/watch.js'
import { articleCluster } from '../../helpers.js'
import { testDir } from '../../temp-dir.js'

const PODS = `NAME    READY   STATUS              RESTARTS   AGE
nginx   0/1     Pending             0          0s
nginx   0/1     ContainerCreating   0          0s
nginx   1/1     Running             0          3s`

describe('isWatch', () => {
  it.each([
    ['kubectl get pods -w', true],
    ['kubectl get pods --watch', true],
    ['kubectl get pods -l app=nginx --watch=true', true],
    ['kubectl -n demo get deploy --watch-only', true],
    ['kubectl logs -f pod/x -c c', true],
    ['kubectl logs --follow x', true],
    ['kubectl get pods -w &', false],
    ['kubectl get pods -w | head', false],
    ['kubectl get pods', false],
    ['kubectl logs x', false],
    ['kubectl rollout status deployment/x -w', false],
    ['kubectl get pods\nkubectl get pods -w', false],
  ])('%s: %s', (line, expected) => {
    expect(isWatch(line)).toBe(expected)
  })
})

describe('latestRows', () => {
  it('keeps the latest row of each object, in the order they last changed', () => {
    expect(latestRows(`${PODS}\nweb     0/1     Pending   0   0s`).split('\n')).toEqual([
      'NAME    READY   STATUS    RESTARTS   AGE',
      'nginx   1/1     Running   0          3s',
      'web     0/1     Pending   0          0s',
    ])
  })
  it('leaves what is not a table as it is', () => {
    expect(latestRows('hello\nhello')).toBe('hello\nhello')
  })
})

describe('watchOf', () => {
  it('is enough once the output shows the latest state the recording shows', () => {
    const w = watchOf('w', PODS)
    const enough = (stdout: string): boolean | undefined => w.enough?.({ stdout, stderr: '', exitCode: null })
    expect(enough('NAME    READY   STATUS              RESTARTS   AGE\nnginx   0/1     ContainerCreating   0          1s\n')).toBe(false)
    expect(enough('NAME    READY   STATUS    RESTARTS   AGE\nnginx   0/1     ContainerCreating   0   1s\nnginx   1/1     Running   0   4s\n')).toBe(
      true,
    )
    expect(w.forMs).toBeLessThanOrEqual(STATUS_WAIT_MS)
  })
})

describe('statusWait', () => {
  it.each([
    ['kubectl get pods', PODS, ['Pending', 'ContainerCreating', 'Running']],
    ['kubectl get pod shell-demo', 'NAME         READY   STATUS    RESTARTS   AGE\nshell-demo   1/1     Running   0          10s', ['Running']],
    ['kubectl get pods -n demo', 'NAME   READY   STATUS      RESTARTS   AGE\npi-x   0/1     Completed   0          1m', ['Completed']],
    ['kubectl get nodes', 'NAME   STATUS   ROLES    AGE   VERSION\nn1     Ready    <none>   1d    v1.37.2', []],
    ['kubectl get pods -w', PODS, []],
    ['kubectl describe pod x', PODS, []],
    ['kubectl get pods', '{"kind":"Pod"}', []],
  ])('%s', (line, recording, statuses) => {
    expect(recordedStatuses(line, recording)).toEqual(statuses)
    expect(statusWait(line, recording) !== undefined).toBe(statuses.length > 0)
  })

  it('waits for an object status the recording shows: a status: in YAML or JSON, READY or AVAILABLE counts', () => {
    // kubernetes/website quota-pod-namespace.md: the Deployment is read before its Pods are available.
    const page = readFileSync(fileURLToPath(new URL('../../fixtures/docs/quota-pod-namespace/page.md', import.meta.url)), 'utf8')
    const recorded = /```yaml\n(spec:[\s\S]*?)```/.exec(page)?.[1] as string
    const get = 'kubectl get deployment pod-quota-demo --namespace=quota-pod-example --output=yaml'
    expect(recordedProgress(get, recorded)).toBe('the status its recording shows')
    expect(statusWait(get, recorded)).toEqual({ for: 'the status its recording shows', timeoutMs: STATUS_WAIT_MS, intervalMs: 1_000 })
    expect(
      recordedProgress('kubectl get deploy web -o json', '{\n  "kind": "Deployment",\n  "status": {\n    "readyReplicas": 2\n  }\n}'),
    ).toBeDefined()
    const deployments = 'NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    2/2     2            2           1m'
    expect(recordedProgress('kubectl get deployments', deployments)).toBe('READY and AVAILABLE as recorded')
    // kubernetes/website determine-reason-pod-failure.md: an excerpt that shows lastState, not status: itself ("repeat … until the Pod is no longer running").
    const termination =
      'apiVersion: v1\nkind: Pod\n...\n    lastState:\n      terminated:\n        exitCode: 0\n        message: |\n          Sleep expired\n        ...'
    expect(recordedProgress('kubectl get pod termination-demo --output=yaml', termination)).toBe('the status its recording shows')
    // Nothing the cluster reaches: no wait.
    expect(statusWait('kubectl get configmap c -o yaml', 'apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap')).toBeUndefined()
    expect(statusWait('kubectl get deployments', deployments.replace('2/2     2            2', '0/3     0            0'))).toBeUndefined()
    // Not a read: never rerun.
    expect(statusWait('kubectl apply -f d.yaml', recorded)).toBeUndefined()
    expect(statusWait(`${get} -w`, recorded)).toBeUndefined()
  })

  it('makes a Markdown `kubectl get` step whose recording shows a STATUS wait for it, unless a wait annotation says otherwise', () => {
    const w = markdownWalkthrough(
      'w.md',
      '```bash\nkubectl get pod x\n```\n\n```\nNAME   READY   STATUS    RESTARTS   AGE\nx      1/1     Running   0          5s\n```\n\n<!-- kubewalk: wait 5s -->\n```bash\nkubectl get pod x\n```\n\n```\nNAME   READY   STATUS    RESTARTS   AGE\nx      1/1     Running   0          5s\n```\n',
    )
    expect(w.steps[0]?.wait).toEqual({ for: 'STATUS to be Running as recorded', timeoutMs: 30_000, intervalMs: 1_000 })
    expect(w.steps[1]?.wait?.timeoutMs).toBe(5_000)
  })
})

describe('a watch line in a run', () => {
  /** A kubectl stand-in whose watch prints the Pod's rows one per 200 ms, then keeps running. */
  async function watcher(): Promise<Record<string, string>> {
    const dir = await testDir('kubewalk-watch-')
    await writeFile(
      join(dir, 'kubectl'),
      `#!/bin/sh
echo 'NAME    READY   STATUS              RESTARTS   AGE'
echo 'nginx   0/1     ContainerCreating   0          0s'
sleep 0.2
echo 'nginx   1/1     Running             0          1s'
exec sleep 60
`,
    )
    await chmod(join(dir, 'kubectl'), 0o755)
    return { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` }
  }

  it('is stopped once its output covers the recording, and passes on what it printed', async () => {
    const w = markdownWalkthrough('w.md', `\`\`\`bash\nkubectl get pods -w\n\`\`\`\n\n\`\`\`\n${PODS}\n\`\`\`\n`)
    const began = performance.now()
    const r = await run({ cluster: articleCluster, clusters: [articleCluster], env: await watcher(), steps: w.steps })
    const took = performance.now() - began
    expect(r.steps[0]?.status).toBe('passed')
    expect(r.steps[0]?.output.stdout).toContain('Running')
    expect(took).toBeLessThan(3_500)
  })

  it('watches a Pod start as long as a STATUS wait, a few seconds when it awaits nothing', () => {
    expect(watchOf('w', PODS)).toMatchObject({ forMs: STATUS_WAIT_MS, awaits: true })
    expect(watchOf('w', 'Hello from the log\nHello again')).toEqual(expect.objectContaining({ forMs: WATCH_MS }))
    expect(watchOf('w', 'Hello from the log').awaits).toBeUndefined()
  })

  it('left running in its terminal (background), is ready once its output covers the recording, and passes on it', async () => {
    const w = markdownWalkthrough('w.md', `<!-- kubewalk: background -->\n\`\`\`bash\nkubectl get pods -w\n\`\`\`\n\n\`\`\`\n${PODS}\n\`\`\`\n`)
    expect(w.steps[0]?.background?.timeoutMs).toBe(STATUS_WAIT_MS)
    const r = await run({ cluster: articleCluster, clusters: [articleCluster], env: await watcher(), steps: w.steps })
    expect(r.steps[0]?.status).toBe('passed')
    expect(r.steps[0]?.output.stdout).toContain('Running')
  })

  it('left running, one that never shows what the page shows fails on the comparison, naming what it expected', async () => {
    const other = PODS.replace('1/1     Running ', '1/1     Completed')
    const w = markdownWalkthrough('w.md', `<!-- kubewalk: background -->\n\`\`\`bash\nkubectl get pods -w\n\`\`\`\n\n\`\`\`\n${other}\n\`\`\`\n`)
    const r = await run({ cluster: articleCluster, clusters: [articleCluster], env: await watcher(), steps: w.steps, waitTimeoutMs: 1_500 })
    expect(r.steps[0]?.status).toBe('failed')
    expect(r.steps[0]?.assertions.filter((a) => !a.ok).map((a) => a.expected)).toContain('Completed')
  })

  it('kubernetes/website configure-projected-volume-storage.md: the watch kept while the reader opens another terminal waits for Running', () => {
    const file = fileURLToPath(new URL('../../fixtures/docs/configure-projected-volume-storage/page.md', import.meta.url))
    const w = markdownWalkthrough(file, readFileSync(file, 'utf8'))
    const watch = w.steps.find((s) => s.command === 'kubectl get --watch pod test-projected-volume')
    expect(watch?.background?.shows).toBeDefined()
    expect(
      watch?.background?.shows?.({
        stdout: 'NAME   READY   STATUS    RESTARTS   AGE\ntest-projected-volume   0/1   ContainerCreating   0   1s\n',
        stderr: '',
        exitCode: null,
      }),
    ).toBe(false)
    expect(
      watch?.background?.shows?.({
        stdout:
          'NAME   READY   STATUS    RESTARTS   AGE\ntest-projected-volume   0/1   ContainerCreating   0   1s\ntest-projected-volume   1/1   Running   0   3s\n',
        stderr: '',
        exitCode: null,
      }),
    ).toBe(true)
  })

  it('runs until the wait bound at most when its output never covers the recording, then fails on the comparison', async () => {
    const other = PODS.replace('1/1     Running ', '1/1     Completed')
    const w = markdownWalkthrough('w.md', `\`\`\`bash\nkubectl get pods -w\n\`\`\`\n\n\`\`\`\n${other}\n\`\`\`\n`)
    const began = performance.now()
    const r = await run({ cluster: articleCluster, clusters: [articleCluster], env: await watcher(), steps: w.steps, waitTimeoutMs: 5_000 })
    const took = performance.now() - began
    expect(r.steps[0]?.status).toBe('failed')
    expect(r.steps[0]?.error?.message).toMatch(/STATUS/)
    expect(took).toBeGreaterThan(4_500)
    expect(took).toBeLessThan(10_000)
  }, 15_000)
})

describe('logsWait', () => {
  it('reads a kubectl logs again for the lines its recording shows; not a followed one, nor one with no recording', () => {
    expect(logsWait('kubectl logs waits-demo', 'hello from the pod')).toEqual({
      for: 'the log lines its recording shows',
      timeoutMs: LOGS_WAIT_MS,
      intervalMs: 1_000,
    })
    expect(logsWait('kubectl -n x logs pod/a -c b', 'hello')).toBeDefined()
    expect(logsWait('kubectl logs -f waits-demo', 'hello')).toBeUndefined()
    expect(logsWait('kubectl logs waits-demo', undefined)).toBeUndefined()
    expect(logsWait('kubectl get pods', 'hello')).toBeUndefined()
  })

  it('a container that has not printed yet: the step passes once the log shows the line', async () => {
    // A stand-in kubectl whose first `logs` finds nothing printed yet (a container just started), as kubectl prints an empty log.
    const dir = await testDir('kubewalk-logs-')
    await writeFile(join(dir, 'kubectl'), `#!/bin/sh\nif [ -e '${dir}/seen' ]; then echo 'hello from the pod'; else touch '${dir}/seen'; fi\n`)
    await chmod(join(dir, 'kubectl'), 0o755)
    const w = markdownWalkthrough('w.md', '```bash\nkubectl logs waits-demo\n```\n\n```\nhello from the pod\n```\n')
    const r = await run({
      cluster: articleCluster,
      clusters: [articleCluster],
      env: { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
      steps: w.steps,
    })
    expect(r.steps[0]?.status).toBe('passed')
    expect(r.steps[0]?.attempts).toBe(2)
  })
})
