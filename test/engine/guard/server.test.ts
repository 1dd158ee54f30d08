// The guard in the kubewalk process (server.ts): what differs from the hook. Every case of shim.test.ts
// also runs through it; these are the cases only it has: no process start, the read after the call off
// the line's path, the shell's own environment, the token, and the hook as the fallback.
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { readLedger, takeRefusals } from '../../../src/engine/guard/ledger.js'
import { startGuardServer } from '../../../src/engine/guard/server.js'
import { installGuard } from '../../../src/engine/guard/shim.js'
import { mkfifo } from '../../../src/platform/shell.js'
import { configMap, harness } from './harness.js'
import { httpsStandIn } from '../../https-stand-in.js'

vi.setConfig({ testTimeout: 60_000 })

/** Each call the stand-in saw, as `dry VERB`, `VERB` (the real call) or `get` (a read). */
const argvs = async (h: { calls(): Promise<{ argv: string[] }[]> }): Promise<string> =>
  (await h.calls()).map((c) => `${c.argv.includes('--dry-run=server') ? 'dry ' : ''}${c.argv[0]}`).join('\n')

describe('the guard in the kubewalk process', () => {
  it('checks a changing call without starting the hook; with no server to reach, the hook does it', async () => {
    const h = await harness({}, { via: 'server' })
    // A hook that only says it ran: the function falls back to it when the socket cannot be reached.
    const marker = join(h.dir, 'hook-ran')
    const hook = join(h.dir, 'hook.mjs')
    await writeFile(hook, `import { writeFileSync } from 'node:fs'\nwriteFileSync(${JSON.stringify(marker)}, 'yes')\nprocess.exit(3)\n`)
    const server = await startGuardServer(h.stateDir)
    const g = await installGuard({
      stateDir: h.stateDir,
      realKubectl: join(h.dir, 'real', 'kubectl'),
      mode: { lab: false, namespaces: [], allow: [] },
      hookFile: hook,
      server,
    })
    const env = { ...process.env, ...g.env, STANDIN_DIR: h.dir }
    const { spawn } = await import('node:child_process')
    const run = (line: string): Promise<number | null> =>
      new Promise((r) => {
        const child = spawn('bash', ['--norc', '--noprofile', '-s'], { env, cwd: h.dir, stdio: ['pipe', 'ignore', 'ignore'] })
        child.stdin.end(`${g.functionText}\n${line}\n`)
        child.on('close', (code) => r(code))
      })
    expect(await run('kubectl create configmap a')).toBe(0)
    await server.settled()
    expect(existsSync(marker)).toBe(false)
    expect((await readLedger(h.stateDir)).created.map((o) => o.name)).toEqual(['a'])
    await server.close()
    expect(await run('kubectl create configmap b')).toBe(3)
    expect(existsSync(marker)).toBe(true)
  })

  it('reads back what the call created after the shell has gone on (the line does not wait for it)', async () => {
    const h = await harness({}, { via: 'server' })
    const line = `STANDIN_GET_DELAY_MS=400 kubectl create configmap x; echo '{"argv":["line went on"]}' >> calls.jsonl`
    expect(await h.run(line)).toMatchObject({ status: 0, stdout: 'configmap/x created\n' })
    expect(await argvs(h)).toBe('dry create\ncreate\nline went on\nget')
    expect((await readLedger(h.stateDir)).created.map((o) => o.name)).toEqual(['x'])
  })

  it('the hook, for comparison, reads it back before the line goes on', async () => {
    const h = await harness({}, { via: 'hook' })
    await h.run(`STANDIN_GET_DELAY_MS=400 kubectl create configmap x; echo '{"argv":["line went on"]}' >> calls.jsonl`)
    expect(await argvs(h)).toBe('dry create\ncreate\nget\nline went on')
  })

  it('a later call waits for the earlier one’s record: the run’s own object is its own at once', async () => {
    const h = await harness({}, { via: 'server' })
    const r = await h.run('STANDIN_GET_DELAY_MS=300 kubectl create configmap x && kubectl label configmap x a=b')
    expect(r).toMatchObject({ status: 0, stderr: '' })
  })

  it('a call still running in a job of the line does not hold the next call’s check (only a record in progress does)', async () => {
    const h = await harness({}, { via: 'server' })
    const r = await h.run(
      `STANDIN_REAL_DELAY_MS=4000 kubectl create configmap slow >/dev/null & sleep 0.5; kubectl create configmap quick; echo '{"argv":["quick done"]}' >> calls.jsonl; wait`,
    )
    expect(r).toMatchObject({ status: 0, stdout: 'configmap/quick created\n' })
    const seen = (await h.calls()).map((c) => c.argv.join(' '))
    const quickDone = seen.indexOf('quick done')
    const slowRead = seen.findIndex((c) => c.startsWith('get') && c.includes('slow'))
    expect(quickDone).toBeGreaterThan(-1)
    expect(slowRead).toBeGreaterThan(quickDone)
    expect((await readLedger(h.stateDir)).created.map((o) => o.name).sort()).toEqual(['quick', 'slow'])
  })

  it('the dry run sees the shell’s environment and folder as the line left them (exported, unexported not)', async () => {
    const h = await harness({}, { via: 'server' })
    await writeFile(join(h.dir, 'cm.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } }))
    const r = await h.run('mkdir -p sub && cp cm.json sub/ && cd sub && export KUBECONFIG=/tmp/page-kc; kubectl apply -f cm.json')
    expect(r).toMatchObject({ status: 0, stdout: 'configmap/m created\n' })
    expect((await readLedger(h.stateDir)).created).toMatchObject([{ name: 'm', kubeconfig: '/tmp/page-kc' }])
  })

  it('a page’s set -eu and set -x do not reach the exchange; a failing call still ends a set -e line', async () => {
    const h = await harness({}, { via: 'server' })
    const ok = await h.run('set -eu; kubectl create configmap x; echo after')
    expect(ok).toMatchObject({ status: 0, stdout: 'configmap/x created\nafter\n' })
    const failed = await h.run('set -e; kubectl create configmap x; echo after')
    expect(failed.status).toBe(1)
    expect(failed.stdout).toBe('')
    const traced = await h.run('set -x; kubectl create configmap y')
    expect(traced.stderr).not.toMatch(/__kw_r=|printf|read -r/)
  })

  it('answers nothing to a connection without the run’s token', async () => {
    const h = await harness({}, { via: 'server' })
    const server = await startGuardServer(h.stateDir)
    const answer = await new Promise<string>((resolve) => {
      const s = connect(server.port, '127.0.0.1', () => s.write(`not-the-token\0${h.dir}\x001\0create\0`))
      let got = ''
      s.on('data', (b) => (got += b.toString()))
      s.on('close', () => resolve(got))
    })
    expect(answer).toBe('')
    expect(await readFile(join(h.dir, 'calls.jsonl'), 'utf8').catch(() => '')).toBe('')
    await server.close()
  })
})

describe('the real call, as the shell parsed it', () => {
  it('keeps bytes that are not UTF-8 in its arguments; only a copied file’s path is replaced', async () => {
    const h = await harness({}, { via: 'server' })
    const raw = join(h.dir, 'raw')
    const r = await h.run(`STANDIN_RAW=${raw} kubectl create configmap x --from-literal=k=$'\\xff\\xfe' -f <(echo '{}')`)
    expect(r.status).toBe(0)
    const calls = (await readFile(raw))
      .toString('latin1')
      .split('\n')
      .filter((c) => c !== '')
      .map((c) => c.split('\0'))
    const realCall = calls.find((c) => c[0] === 'create' && !c.some((a) => a.startsWith('--dry-run')))
    expect(realCall?.[3]).toBe('--from-literal=k=\xff\xfe')
    expect(realCall?.[5]).toMatch(/\/input\/s\d+-0$/)
  })
})

describe('a held input (`kubectl apply -f -`): the real call starts beside the dry run', () => {
  const doc = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  k: v\n`
  // The stand-in's dry run says whether a real call had started by the time it answered (STANDIN_DRY_SEES_START_MS).
  const dryRun = async (h: { calls(): Promise<{ argv: string[] }[]> }): Promise<{ sawStart?: boolean } | undefined> =>
    ((await h.calls()) as { argv: string[]; sawStart?: boolean }[]).find((c) => c.argv.includes('--dry-run=server'))

  it('starts before the verdict, and reads its input once the guard lets it run', async () => {
    const h = await harness({}, { via: 'server' })
    const r = await h.run(`STANDIN_STARTED=1 STANDIN_DRY_SEES_START_MS=5000 kubectl apply -f - <<'EOF'\n${doc('held')}EOF`)
    expect(r).toMatchObject({ status: 0, stdout: 'configmap/held created\n', stderr: '' })
    expect(await dryRun(h)).toMatchObject({ sawStart: true })
    const real = (await h.calls()).filter((c) => c.argv[0] === 'apply' && !c.argv.includes('--dry-run=server'))
    expect(real.map((c) => [c.argv.join(' '), c.stdin])).toEqual([['apply -f -', doc('held')]])
    expect((await readLedger(h.stateDir)).created.map((o) => o.name)).toEqual(['held'])
  })

  it('with spareByCaller, the first held input uses the FIFO the caller made for it (spareWanted, spareMade), and none before', async () => {
    const h = await harness({}, { via: 'server', spareByCaller: true })
    const wanted = h.server?.spareWanted()
    expect(wanted).toMatch(/held1$/)
    // Not made yet: the call is not held, it goes the usual way (the real call after the verdict).
    expect(await h.run(`STANDIN_STARTED=1 STANDIN_DRY_SEES_START_MS=300 kubectl apply -f - <<'EOF'\n${doc('first')}EOF`)).toMatchObject({ status: 0 })
    expect(await dryRun(h)).toMatchObject({ sawStart: false })
    await mkfifo([wanted as string])
    h.server?.spareMade()
    await writeFile(join(h.dir, 'calls.jsonl'), '')
    await rm(join(h.dir, 'started-apply'))
    const r = await h.run(`STANDIN_STARTED=1 STANDIN_DRY_SEES_START_MS=5000 kubectl apply -f - <<'EOF'\n${doc('second')}EOF`)
    expect(r).toMatchObject({ status: 0, stdout: 'configmap/second created\n' })
    expect(await dryRun(h)).toMatchObject({ sawStart: true })
  })

  it('a call that reads a file is not held: its real call starts after the verdict', async () => {
    const h = await harness({}, { via: 'server' })
    await writeFile(join(h.dir, 'cm.yaml'), doc('file'))
    expect(await h.run('STANDIN_STARTED=1 STANDIN_DRY_SEES_START_MS=300 kubectl apply -f cm.yaml')).toMatchObject({ status: 0 })
    expect(await dryRun(h)).toMatchObject({ sawStart: false })
  })

  it('refused: the started call is stopped before it reads a byte; nothing changes and only the refusal is said', async () => {
    const h = await harness({}, { via: 'server' })
    await h.seed([configMap('app')])
    const r = await h.run(`STANDIN_STARTED=1 STANDIN_DRY_SEES_START_MS=5000 kubectl apply -f - <<'EOF'\n${doc('app')}EOF`)
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(
      "kubewalk: refused: configmap/app in namespace default is not this run's; kubewalk leaves it as it is (declare the change in the walkthrough, pass --allow-changes, or replay with --isolate)\n",
    )
    // It had started (the dry run saw it), and it never asked its store anything.
    expect(await dryRun(h)).toMatchObject({ sawStart: true })
    expect((await h.calls()).filter((c) => c.argv[0] === 'apply' && !c.argv.includes('--dry-run=server'))).toEqual([])
    expect(await h.store()).toEqual([configMap('app')])
  })
})

describe('a server that stops answering the guard’s reads (each bounded by the run’s command timeout)', () => {
  it('after the call: the record says it could not read, naming the call, and never takes no answer for "deleted"', async () => {
    const h = await harness({}, { via: 'server', readTimeoutMs: 400 })
    await h.seed([configMap('mine', 'default', 'u-mine')])
    const created = { type: 'created', kind: 'ConfigMap', group: '', name: 'mine', namespace: 'default', uid: 'u-mine', verb: 'create' }
    await writeFile(join(h.stateDir, 'ledger.jsonl'), `${JSON.stringify(created)}\n`)
    await writeFile(join(h.dir, 'cm.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine' }, data: { b: '2' } }))
    const r = await h.run('STANDIN_GET_DELAY_MS=5000 STANDIN_GET_DELAY_AFTER_REAL=1 kubectl apply -f cm.json')
    expect(r.status).toBe(0)
    const ledger = await readLedger(h.stateDir)
    expect(ledger.deleted).toEqual([])
    expect(ledger.created.map((o) => o.name)).toEqual(['mine'])
    expect((await takeRefusals(h.stateDir)).map((x) => x.message)).toEqual([
      'kubewalk: `kubectl apply -f cm.json` ran, but the guard could not record what it created or deleted (the server did not answer a read within 0.4 s)',
    ])
  })
  it('after the call, a server gone away is no answer either: never "deleted"', async () => {
    const h = await harness({}, { via: 'server' })
    await h.seed([configMap('mine', 'default', 'u-mine')])
    const created = { type: 'created', kind: 'ConfigMap', group: '', name: 'mine', namespace: 'default', uid: 'u-mine', verb: 'create' }
    await writeFile(join(h.stateDir, 'ledger.jsonl'), `${JSON.stringify(created)}\n`)
    await writeFile(join(h.dir, 'cm.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mine' }, data: { b: '2' } }))
    const gone = 'The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?'
    const r = await h.run(`STANDIN_GET_FAIL='Unable to connect to the server: ${gone}' STANDIN_GET_DELAY_AFTER_REAL=1 kubectl apply -f cm.json`)
    expect(r.status).toBe(0)
    expect((await readLedger(h.stateDir)).deleted).toEqual([])
    expect((await takeRefusals(h.stateDir)).map((x) => x.message)).toEqual([
      `kubewalk: \`kubectl apply -f cm.json\` ran, but the guard could not record what it created or deleted (could not read it back: Unable to connect to the server: ${gone})`,
    ])
  })
  it('a delete that exited 0 deleted what it named: recorded with no read after it', async () => {
    const h = await harness({}, { via: 'server' })
    await h.seed([configMap('mine', 'default', 'u-mine')])
    const created = { type: 'created', kind: 'ConfigMap', group: '', name: 'mine', namespace: 'default', uid: 'u-mine', verb: 'create' }
    await writeFile(join(h.stateDir, 'ledger.jsonl'), `${JSON.stringify(created)}\n`)
    expect((await h.run('kubectl delete configmap mine')).status).toBe(0)
    expect(await argvs(h)).toBe('get\ndelete')
    expect((await readLedger(h.stateDir)).deleted.map((o) => [o.name, o.uid])).toEqual([['mine', 'u-mine']])
  })
  it('before the call: the check fails closed, and the call does not run', async () => {
    const h = await harness({}, { via: 'server', readTimeoutMs: 400 })
    await h.seed([configMap('app')])
    await writeFile(join(h.dir, 'cm.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { b: '2' } }))
    const r = await h.run('STANDIN_GET_DELAY_MS=5000 kubectl apply -f cm.json')
    expect(r.status).toBe(2)
    expect(r.stderr).toContain(
      'kubewalk: refused: the guard could not check this call (the server did not answer a read within 0.4 s); it did not run',
    )
    expect((await h.store()).map((o) => (o as { data?: unknown }).data)).toEqual([{ a: '1' }])
  })
})

describe("an apply whose input names only built-in objects, read by kubewalk's process", () => {
  /** A kubeconfig for an HTTPS stand-in whose ConfigMap `x` in `team` is `stored` (null: not there); the webhook lists are empty (or answer `lists`). */
  async function apiServer(dir: string, stored: () => unknown, lists = 200) {
    const api = await httpsStandIn((req, res) => {
      const empty = { kind: 'List', items: [] }
      if (/webhookconfigurations$/.test(req.url ?? '') && lists !== 200)
        return void res.writeHead(lists, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: lists }))
      const body = /webhookconfigurations$/.test(req.url ?? '') ? empty : req.url === '/api/v1/namespaces/team/configmaps/x' ? stored() : undefined
      const notFound = { kind: 'Status', code: 404, reason: 'NotFound' }
      res.writeHead(body === undefined || body === null ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? notFound))
    })
    const kubeconfig = join(dir, 'kubeconfig')
    await writeFile(
      kubeconfig,
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: s\n  cluster:\n    server: ${api.creds.server.href}\n    insecure-skip-tls-verify: true\n` +
        `contexts:\n- name: c\n  context:\n    cluster: s\n    user: u\n    namespace: team\nusers:\n- name: u\n  user:\n    token: t\n`,
    )
    return { api, kubeconfig }
  }
  const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: '2'\n`

  it('a new object: no dry run, only the real call; read back from the same server', async () => {
    const h = await harness({}, { via: 'server' })
    let made: unknown = null
    const { api, kubeconfig } = await apiServer(h.dir, () => made)
    const seenStore = async (): Promise<void> => void (made = (await h.store()).find((o) => o.metadata.name === 'x') ?? null)
    const r = await h.run(`export KUBECONFIG='${kubeconfig}'\nkubectl apply -f - <<'EOF'\n${manifest}EOF`)
    await seenStore()
    expect(r.status).toBe(0)
    expect(await argvs(h)).toBe('apply')
    // The context's namespace, read from the kubeconfig the shell exported; and whether dry runs are answered.
    expect(api.seen.map((s) => s.split(' ')[1])).toEqual(
      expect.arrayContaining([
        '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
        '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
        '/api/v1/namespaces/team/configmaps/x',
      ]),
    )
  })

  it("an object that is there and not the run's: the server's dry run decides, and refuses", async () => {
    const h = await harness({}, { via: 'server' })
    await h.seed([configMap('x', 'team')])
    const { kubeconfig } = await apiServer(h.dir, () => configMap('x', 'team'))
    // `-n team` as well as the context's: the stand-in kubectl's dry run reads no kubeconfig.
    const r = await h.run(`export KUBECONFIG='${kubeconfig}'\nkubectl apply -n team -f - <<'EOF'\n${manifest}EOF`)
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/configmap\/x in namespace team is not this run's/)
    expect(await argvs(h)).toMatch(/^dry apply/)
    expect((await h.store()).find((o) => o.metadata.name === 'x')?.metadata.uid).toBe('uid-x')
  })

  it('a user who may not list webhooks: asked once, and every such call goes to the dry run', async () => {
    const h = await harness({}, { via: 'server' })
    const { api, kubeconfig } = await apiServer(h.dir, () => null, 403)
    const lists = (): number => api.seen.filter((s) => s.includes('webhookconfigurations')).length
    h.server?.warm({ KUBECONFIG: kubeconfig })
    await vi.waitFor(() => expect(lists()).toBe(2))
    h.server?.warm({ KUBECONFIG: kubeconfig })
    expect((await h.run(`export KUBECONFIG='${kubeconfig}'\nkubectl apply -f - <<'EOF'\n${manifest}EOF`)).status).toBe(0)
    expect(lists()).toBe(2)
    expect(await argvs(h)).toBe('dry apply\napply')
  })

  it('warm() reads ahead once what the first such call needs, and again when the kubeconfig changed', async () => {
    const h = await harness({}, { via: 'server' })
    const { api, kubeconfig } = await apiServer(h.dir, () => null)
    const lists = (): number => api.seen.filter((s) => s.includes('webhookconfigurations')).length
    h.server?.warm({ KUBECONFIG: kubeconfig })
    await vi.waitFor(() => expect(lists()).toBe(2))
    h.server?.warm({ KUBECONFIG: kubeconfig })
    await new Promise((r) => setTimeout(r, 200))
    expect(lists()).toBe(2)
    await writeFile(kubeconfig, `${await readFile(kubeconfig, 'utf8')}# changed\n`)
    h.server?.warm({ KUBECONFIG: kubeconfig })
    await vi.waitFor(() => expect(lists()).toBe(4))
    // A call read this way uses what is known; one it does not read (it may add a webhook) has it asked again.
    const apply = `export KUBECONFIG='${kubeconfig}'\nkubectl apply -f - <<'EOF'\n${manifest}EOF`
    expect((await h.run(apply)).status).toBe(0)
    expect(lists()).toBe(4)
    expect((await h.run(`export KUBECONFIG='${kubeconfig}'\nkubectl create configmap z --from-literal=a=b`)).status).toBe(0)
    expect((await h.run(apply)).status).toBe(0)
    expect(lists()).toBe(6)
    expect(await argvs(h)).toBe(['apply', 'dry create', 'create', 'apply'].join('\n'))
  })
})
