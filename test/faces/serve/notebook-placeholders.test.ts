// The notebook shows the line as it runs: a `<pod-name>` filled with the one Pod the session's earlier
// step said it created (a stand-in line prints kubectl's `pod/web created`), not the line as written.
import { expect, it } from 'vitest'
import type { Request } from '../../../src/faces/serve/http.js'
import { openSession } from '../../../src/engine/runner.js'
import { Secrets } from '../../../src/engine/redact.js'
import type { ReplayPlan, ReplaySession } from '../../../src/faces/replay/index.js'
import { openNotebook } from '../../../src/faces/serve/notebook.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { articleCluster } from '../../helpers.js'

it('a cell shows its line as written until it runs, then as run', async () => {
  const w = markdownWalkthrough('p.md', "# P\n\n```bash\nprintf 'pod/web created\\n'\n```\n\n```bash\necho logs of <pod-name>\n```\n")
  const plan = { walkthrough: w, steps: w.steps, showSecrets: false, reportProgress: false, isolate: false } as unknown as ReplayPlan
  const runner = await openSession({ cluster: articleCluster, clusters: [articleCluster], steps: w.steps })
  const session: ReplaySession = {
    plan,
    cluster: { name: 'stand-in', server: 'https://127.0.0.1:1', version: '1.37.2' },
    namespace: 'ns',
    secrets: new Secrets(),
    env: {},
    runner,
    runApart: () => Promise.reject(new Error('not in this test')),
    close: (onEvent) => runner.close(onEvent ? { onEvent } : {}),
  }
  const nb = await openNotebook({ plan, open: async () => session, idleMs: 60_000, log: () => undefined, editable: false })
  await nb.ready
  try {
    const cell = () => nb.state().cells[1] as { command: string; status: string }
    expect(cell().command).toBe('echo logs of <pod-name>')
    const run = nb.routes['POST /api/run'] as (r: Request) => Promise<unknown>
    await run({
      method: 'POST',
      path: '/api/run',
      query: new URLSearchParams(),
      body: { step: w.steps[1]?.id, upTo: true, seen: 0 },
    } as unknown as Request)
    const end = Date.now() + 15_000
    while (cell().status !== 'passed' && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    expect(cell().status).toBe('passed')
    expect(cell().command).toBe('echo logs of web')
  } finally {
    await nb.close()
    await runner.close()
  }
})
