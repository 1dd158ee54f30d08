// Arguments → one command module (src/faces/commands/). This file only dispatches, maps errors to exit
// codes and handles signals; the walkthroughs come from the registry the caller hands over.
import { KubewalkError, LabError, PreconditionError, UsageError, WalkthroughError, errorMessage } from '../core/errors.js'
import { redact } from '../engine/redact.js'
import { packagePath } from '../platform/paths.js'
import { EXIT, defaultIo, type Io } from './args.js'
import { loadWalkthrough, walkthroughArg, type CommandContext } from './commands/common.js'
import { helpText } from './commands/help.js'
import type { WalkthroughEntry } from '../core/walkthrough.js'

export { EXIT, type Io }
export { exitCodeOf } from './replay/index.js'

/** Commands that stop on Ctrl-C or SIGTERM; those that create something on a cluster or the machine then clean up. */
const LISTENING = new Set(['run', 'drift', 'check', 'lab', 'matrix', 'class', 'record', 'serve'])
/** Of those, the ones that only read: Ctrl-C stops them, and there is nothing of theirs to remove. */
const READ_ONLY = new Set(['class'])
const WITH_HELP = new Set(['run', 'drift', 'check', 'list', 'lab', 'matrix', 'class', 'new', 'record', 'test', 'serve'])

/** The CLI over a registry of walkthroughs (the first is the default); main resolves with the exit code and never throws. */
export function createCli(walkthroughs: readonly WalkthroughEntry[]): (argv: string[], io?: Io) => Promise<number> {
  return (argv, io = defaultIo()) => main(argv, walkthroughs, io)
}

async function main(argv: string[], walkthroughs: readonly WalkthroughEntry[], io: Io): Promise<number> {
  const ac = new AbortController()
  let cleaningUp: string[] | undefined
  let signals = 0
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++
    // class open and close make and remove namespaces: their Ctrl-C cleans up like a run's.
    if (READ_ONLY.has(argv[0] ?? '') && !['open', 'close'].includes(argv[1] ?? '')) {
      io.stderr(`\n${sig}: stopping.\n`)
      if (signals === 1) ac.abort()
      else process.exit(EXIT.interrupted)
    } else if (signals === 1) {
      io.stderr(`\n${sig}: stopping the current step, then removing what this run created…\n`)
      ac.abort()
    } else if (cleaningUp !== undefined && signals === 2) {
      io.stderr(`\nstill cleaning up (${cleaningUp.join(', ')}); leaving now would leave it on the cluster. Press Ctrl-C again to leave anyway.\n`)
    } else {
      io.stderr(`\nleaving without finishing cleanup${cleaningUp ? `; left behind: ${cleaningUp.join(', ')}` : ''}.\n`)
      process.exit(EXIT.interrupted)
    }
  }
  const [command, ...rest] = argv
  const listen = LISTENING.has(command ?? '')
  if (listen) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  const cx: CommandContext = { io, signal: ac.signal, cleaning: (what) => void (cleaningUp = what), walkthroughs }
  const help = async (): Promise<string> => helpText(walkthroughs, await loadWalkthrough(walkthroughs, walkthroughArg(rest)))
  try {
    // `kubewalk run --help`, `lab up -h`: the one help text covers them (token has its own).
    if (WITH_HELP.has(command ?? '') && rest.some((a) => a === '--help' || a === '-h')) {
      io.stdout(await help())
      return EXIT.ok
    }
    // Each command's module is loaded when it runs: a replay does not pay for the lab, the notebook, the importer.
    switch (command) {
      case undefined:
        io.stderr(await help())
        return EXIT.usage
      case 'help':
      case '--help':
      case '-h':
        io.stdout(await help())
        return EXIT.ok
      case '--version':
      case 'version':
        io.stdout(`kubewalk ${await packageVersion()}\n`)
        return EXIT.ok
      case 'list':
        return await (await import('./commands/list.js')).cmdList(rest, cx)
      case 'run':
        return await (await import('./commands/run.js')).cmdRun(rest, cx, 'run')
      case 'drift':
        return await (await import('./commands/drift.js')).cmdDrift(rest, cx)
      case 'check':
        return await (await import('./commands/check.js')).cmdCheck(rest, cx)
      case 'lab':
        return await (await import('./commands/lab.js')).cmdLab(rest, io, ac.signal, cx.cleaning)
      case 'matrix':
        return await (await import('./commands/matrix.js')).cmdMatrix(rest, cx)
      case 'class':
        return await (await import('./commands/class.js')).cmdClass(rest, cx)
      case 'serve':
        return await (await import('./commands/serve.js')).cmdServe(rest, cx)
      case 'token':
        return await (await import('./commands/token.js')).cmdToken(rest, io)
      case 'import':
        return await (await import('./commands/import.js')).cmdImport(rest, cx)
      case 'new':
        return await (await import('./commands/new.js')).cmdNew(rest, cx)
      case 'record':
        return await (await import('./commands/record.js')).cmdRecord(rest, cx)
      case 'test':
        return await (await import('./commands/test.js')).cmdTest(rest, cx)
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; see kubewalk --help.`)
    }
  } catch (e) {
    const usage = e instanceof UsageError || e instanceof PreconditionError || e instanceof WalkthroughError
    const code = ac.signal.aborted ? EXIT.interrupted : usage ? EXIT.usage : EXIT.failed
    const msg = e instanceof KubewalkError ? e.message : `unexpected error: ${errorMessage(e)}`
    io.stderr(`kubewalk: ${redact(msg)}${e instanceof LabError && e.logFile ? ` (log: ${e.logFile})` : ''}\n`)
    return code
  } finally {
    if (listen) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  const pkg = JSON.parse(await readFile(packagePath('package.json'), 'utf8')) as { version: string }
  return pkg.version
}
