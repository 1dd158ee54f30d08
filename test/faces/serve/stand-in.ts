// A notebook over a real runner session whose lines stand in for kubectl: files in a temp directory
// play the cluster's objects. For tests of the notebook's own rules and of its page, not of a cluster.
import { defineCleanup, defineStep, equal, type Step } from '../../../src/core/step.js'
import { defineWalkthrough } from '../../../src/core/walkthrough.js'
import { openSession } from '../../../src/engine/runner.js'
import { Secrets } from '../../../src/engine/redact.js'
import type { ReplayPlan, ReplaySession } from '../../../src/faces/replay/index.js'
import { openNotebook, type Notebook } from '../../../src/faces/serve/notebook.js'
import { articleCluster } from '../../helpers.js'

const step = (id: string, number: string, command: string, extra: Partial<Step<string>> = {}): Step<string> =>
  defineStep({ id, number, title: id, command, reads: [], parse: (o) => o.stdout.trim(), check: () => [equal('ran', true, true)], ...extra })

/** A walkthrough of three stand-in steps: `slow` makes obj-slow and then sleeps; `quick` makes obj-quick; `again` refuses when obj-again is there. */
export function walkthrough() {
  const slowGone = defineCleanup({ describe: 'delete obj-slow', command: 'sleep 0.5; rm "$DIR/obj-slow" && echo slow >> "$DIR/removed"' })
  const quickGone = defineCleanup({ describe: 'delete obj-quick', command: 'rm "$DIR/obj-quick" && echo quick >> "$DIR/removed"' })
  const againGone = defineCleanup({ describe: 'delete obj-again', command: 'rm "$DIR/obj-again" && echo again >> "$DIR/removed"' })
  const steps = [
    step('slow', '01', 'touch "$DIR/obj-slow"; echo created; sleep 30', {
      creates: { cleanup: slowGone, createdIf: (o) => o.stdout.includes('created') },
    }),
    step('quick', '02', 'touch "$DIR/obj-quick"; echo created', {
      creates: { cleanup: quickGone, createdIf: (o) => o.stdout.includes('created') },
      participantCheck: { command: 'test -e "$DIR/obj-quick" && echo yes', reads: [], parse: (o) => o.stdout, check: () => [] },
    }),
    step('again', '03', 'touch "$DIR/obj-again"; echo created', {
      creates: { cleanup: againGone, createdIf: (o) => o.stdout.includes('created') },
      // As a kubectl create's guard says of an object it finds.
      guard: {
        command: 'test -e "$DIR/obj-again" && echo EXISTS || true',
        refuse: (o) => (o.stdout.includes('EXISTS') ? "obj-again already exists, and it is not this run's" : undefined),
      },
    }),
  ]
  const prose = () => [
    { number: '02', id: 'quick', title: 'Make a quick one', command: '', explanation: 'As [the docs](https://kubernetes.io/docs/) say.' },
  ]
  return defineWalkthrough({ id: 'stand-in', title: 'Stand-in', vars: [], steps, prose })
}

export async function notebookOver(
  dir: string,
  idleMs = 60_000,
  editable = false,
): Promise<{ nb: Notebook; log: string[]; w: ReturnType<typeof walkthrough> }> {
  const w = walkthrough()
  const plan = { walkthrough: w, steps: w.steps, showSecrets: false, reportProgress: false, isolate: false } as unknown as ReplayPlan
  const runner = await openSession({ cluster: articleCluster, clusters: [articleCluster], steps: w.steps, env: { DIR: dir } })
  const session: ReplaySession = {
    plan,
    cluster: { name: 'stand-in', server: 'https://127.0.0.1:1', version: '1.37.2' },
    namespace: 'ns',
    secrets: new Secrets(),
    env: { DIR: dir },
    runner,
    runApart: () => Promise.reject(new Error('not in this test')),
    close: (onEvent) => runner.close(onEvent ? { onEvent } : {}),
  }
  const log: string[] = []
  const nb = await openNotebook({ plan, open: async () => session, idleMs, log: (l) => void log.push(l), editable })
  await nb.ready
  return { nb, log, w }
}
