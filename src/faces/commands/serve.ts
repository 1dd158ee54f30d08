// kubewalk serve: the walkthrough as a notebook in the browser. run's options plan the replay; the
// notebook (src/faces/serve) drives one replay session over it; this module parses, prints and waits.
import type { CommandContext } from '../context.js'
import { EXIT, takeFlags } from '../args.js'
import { SERVE_FLAGS } from './flags.js'
import { UsageError } from '../../core/errors.js'
import { loadAssets, serve } from '../serve/http.js'
import { listenOptions, openBrowser } from '../serve/listen.js'
import { openNotebook } from '../serve/notebook.js'
import { ASSETS, notebookPage } from '../serve/page.js'
import { pageFirst } from '../serve/page-first.js'
import { proseHtml } from '../serve/prose.js'
import { planRun } from './run.js'

const IDLE_DEFAULT_S = 60
// The session opens this long after the server listens when no page is asked for (a browser asks well after).
const SESSION_AFTER_MS = 100

export async function cmdServe(args: string[], cx: CommandContext): Promise<number> {
  const { io, signal } = cx
  const { taken, rest } = takeFlags(args, SERVE_FLAGS)
  const idle = taken['idle-timeout'] === undefined ? IDLE_DEFAULT_S : Number(taken['idle-timeout'])
  if (!Number.isFinite(idle) || idle < 1 || idle > 86_400)
    throw new UsageError(`--idle-timeout takes seconds from 1 to 86400, got ${JSON.stringify(taken['idle-timeout'])}.`)
  const editable = taken.editable === true
  // Edited lines make the token a shell on this machine: never off loopback.
  if (editable && taken.host !== undefined && !['127.0.0.1', 'localhost', '::1'].includes(String(taken.host)))
    throw new UsageError(`--editable serves on 127.0.0.1 only (the token runs any command on this machine); leave --host ${String(taken.host)} out.`)
  const listen = await listenOptions(taken)
  const plan = await planRun(rest, cx, 'serve')
  if (!('mode' in plan)) throw new UsageError("serve takes run's options; --solution and --forget go with kubewalk check.")
  const assets = await loadAssets(ASSETS)
  // Rendered (or read back) while the server starts; the page waits for it.
  const prose = proseHtml(plan.walkthrough)
  const say = (line: string): void => io.stderr(`${line}\n`)
  const opening = pageFirst(async () => (await import('../replay/index.js')).openReplaySession(plan, cx), SESSION_AFTER_MS)
  const notebook = await openNotebook({ plan, open: opening.open, idleMs: idle * 1000, log: say, editable })
  let server: Awaited<ReturnType<typeof serve>> | undefined
  let failed: { describe: string; command: string }[] = []
  let forgetOpener: (() => Promise<void>) | undefined
  try {
    server = await serve(
      listen,
      {
        ...notebook.routes,
        'GET /': async () => {
          const html = notebookPage(plan.walkthrough, notebook.state(), await prose)
          opening.served()
          return { status: 200, html }
        },
      },
      assets,
    )
    io.stdout(
      `kubewalk serve: ${plan.walkthrough.title}\n  open ${server.url}\n  (the token in the URL is required; Ctrl-C stops the server and removes what the page's runs created)\n`,
    )
    for (const w of server.warnings) say(`kubewalk: ${w}`)
    opening.listening()
    if (taken.open === true) forgetOpener = await openBrowser(server.url, say)
    // What opening the session finds wrong (an unreachable server, a requirement) ends the server as it would end a run.
    const session = await notebook.ready
    io.stdout(`  on ${session.cluster.name} (${session.cluster.server}), namespace ${session.namespace}\n`)
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })))
  } finally {
    opening.closing()
    await forgetOpener?.()
    await server?.close()
    cx.cleaning(["what the page's runs created"])
    failed = (await notebook.close()).filter((c) => c.status === 'failed')
    cx.cleaning(undefined)
  }
  if (failed.length === 0) return EXIT.interrupted
  say(`kubewalk: left on the cluster: ${failed.map((c) => `${c.describe.replace(/^delete /, '')} (remove it with: ${c.command})`).join('; ')}`)
  return EXIT.failed
}
