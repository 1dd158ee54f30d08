// Arguments → one command module (src/faces/commands/). This file only dispatches, maps errors to exit
// codes and handles signals; the walkthroughs come from the registry the caller hands over.
import { readFile } from 'node:fs/promises'
import type { CommandContext } from './context.js'
import { KubewalkError, LabError, UsageError, errorMessage, exitCodeFor } from '../core/errors.js'
import { redact } from '../engine/redact.js'
import { packagePath } from '../platform/paths.js'
import { EXIT, checkRules, defaultIo, type Io } from './args.js'
import { loadWalkthrough, walkthroughArg } from './commands/common.js'
import { commandHelp, helpText } from './commands/help.js'
import { findCommand, type Command } from './commands/table.js'
import type { WalkthroughEntry } from '../core/walkthrough.js'

export { EXIT, type Io }

/** The CLI over a registry of walkthroughs (the first is the default); main resolves with the exit code and never throws. */
export function createCli(walkthroughs: readonly WalkthroughEntry[]): (argv: string[], io?: Io) => Promise<number> {
  return (argv, io = defaultIo()) => main(argv, walkthroughs, io)
}

async function main(argv: string[], walkthroughs: readonly WalkthroughEntry[], io: Io): Promise<number> {
  const ac = new AbortController()
  let cleaningUp: string[] | undefined
  let signals = 0
  const [command, ...rest] = argv
  const found = findCommand(argv)
  const policy = found?.path[0]?.signals ?? 'none'
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++
    if (policy === 'read-only') {
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
  const listen = policy !== 'none'
  if (listen) {
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  const cx: CommandContext = { io, signal: ac.signal, cleaning: (what) => void (cleaningUp = what), walkthroughs }
  const shown = (args: readonly string[]) => loadWalkthrough(walkthroughs, walkthroughArg(args))
  const help = async (): Promise<string> => helpText(walkthroughs, await shown(rest))
  try {
    switch (command) {
      case undefined:
        io.stderr(await help())
        return EXIT.usage
      case '--help':
      case '-h':
        io.stdout(await help())
        return EXIT.ok
      case 'help': {
        // `kubewalk help lab up`: that command's help, as `kubewalk lab up --help` prints it.
        if (rest.length === 0) io.stdout(await help())
        else {
          const asked = findCommand(rest)
          if (asked === undefined || asked.rest.length > 0) throw new UsageError(`no command ${JSON.stringify(rest.join(' '))}; see kubewalk --help.`)
          io.stdout(commandHelp(asked.path, await shown([])))
        }
        return EXIT.ok
      }
      case '--version':
      case 'version':
        io.stdout(`kubewalk ${await packageVersion()}\n`)
        return EXIT.ok
    }
    if (found === undefined) throw new UsageError(`unknown command ${JSON.stringify(command)}; see kubewalk --help.`)
    const { path, rest: args } = found
    const before = args.indexOf('--')
    if ((before < 0 ? args : args.slice(0, before)).some((a) => a === '--help' || a === '-h')) {
      io.stdout(commandHelp(path, await shown(args)))
      return EXIT.ok
    }
    checkRules(args, path[path.length - 1] as Command)
    // The nearest handler: a subcommand's own, else its parent's, given the subcommand's name first.
    const at = path.findLastIndex((c) => c.run !== undefined)
    const handler = path[at]?.run
    if (handler === undefined) throw new UsageError(`${path.map((c) => c.name).join(' ')} needs a subcommand; see kubewalk ${command} --help.`)
    return await handler([...path.slice(at + 1).map((c) => c.name), ...args], cx)
  } catch (e) {
    const code = ac.signal.aborted ? EXIT.interrupted : e instanceof KubewalkError ? exitCodeFor(e.code) : EXIT.failed
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
  const pkg = JSON.parse(await readFile(packagePath('package.json'), 'utf8')) as { version: string }
  return pkg.version
}
