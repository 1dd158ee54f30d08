// --help, `kubewalk COMMAND --help` and docs/reference/cli.md, all written from the command table.
import { LAB_VERSION_HELP, RUN_FLAGS, SERVE_FLAGS, type FlagSet } from './flags.js'
import { COMMANDS, allCommands, flagsOf, type Command } from './table.js'
import type { Walkthrough, WalkthroughEntry } from '../../core/walkthrough.js'

const FLAG_COLUMN = 24
const USAGE_COLUMN = 32

/** `  --name VALUE          help`, the help's further lines under its first. */
function flagLines(flags: FlagSet): string {
  const pad = ' '.repeat(FLAG_COLUMN)
  return Object.entries(flags)
    .map(([name, f]) => {
      const head = `  --${name}${f.value ? ` ${f.value}` : ''}`
      const [first = '', ...more] = f.help.split('\n')
      const lead = head.length < FLAG_COLUMN ? head.padEnd(FLAG_COLUMN) + first : `${head}\n${pad}${first}`
      return [lead, ...more.map((l) => pad + l)].join('\n')
    })
    .join('\n')
}

/** A command's usage lines and summary, as the Usage section shows them. */
function usageLines(c: Command): string {
  const pad = ' '.repeat(USAGE_COLUMN)
  const [first = '', ...cont] = c.usage
  const lines = [`  ${first}`, ...cont.map((l) => `${' '.repeat(16)}${l}`)]
  const summary = c.summary.split('\n')
  const last = lines[lines.length - 1] as string
  // A short last line takes the summary beside it; a long one, under it.
  if (lines.length === 1 && last.length < USAGE_COLUMN) lines[0] = last.padEnd(USAGE_COLUMN) + (summary.shift() ?? '')
  return [...lines, ...summary.map((l) => pad + l)].join('\n')
}

/** The commands in the order --help lists them, subcommands in place of a parent that only groups them. */
function listed(): Command[] {
  const out: Command[] = []
  const walk = (c: Command): void => {
    if (c.subcommands === undefined || Object.keys(flagsOf(c)).length > 0) out.push(c)
    c.subcommands?.forEach(walk)
  }
  COMMANDS.forEach(walk)
  return out
}

function settingsAndVars(shown: Walkthrough): string {
  const settings = (shown.settings ?? []).map((s) => `  --${s.name} N`.padEnd(FLAG_COLUMN) + `${s.describe} (default ${s.default})`).join('\n')
  const vars = shown.vars.map((v) => `$${v.name}`).join(', ')
  return `${settings === '' ? '' : `\nSettings of ${shown.id} (kubewalk list --walkthrough ID shows another's):\n${settings}\n`}
Steps that read a variable of ${shown.id} (${vars}) take it
from earlier steps, or from the environment when run alone (kubewalk run --only ${shown.steps.find((s) => s.reads.length > 0)?.id ?? shown.steps[0]?.id}).
`
}

const EXIT_CODES = `Exit codes: 0 all steps passed and cleanup was done, 1 a step or the cleanup failed, 2 usage or
precondition error, 130 interrupted; drift also exits 1 when it finds a real difference.
`

/** The whole help, with the settings and variables of `shown` (the default walkthrough, or the one --walkthrough names). */
export function helpText(walkthroughs: readonly WalkthroughEntry[], shown: Walkthrough): string {
  const list = walkthroughs.map((w, i) => `  ${w.id.padEnd(12)} ${w.title}${i === 0 ? ' (default)' : ''}`).join('\n')
  return `kubewalk — replay a Kubernetes walkthrough against a real cluster, step by step, with checks

Walkthroughs (--walkthrough ID, or --walkthrough PATH for one of your own: a folder whose index.ts
or index.js exports it, or a Markdown file; a value is a path when it contains / or ends in .md, so
./article is a folder and article the id):
${list}

Usage:
${listed().map(usageLines).join('\n')}
  kubewalk help [COMMAND] | COMMAND --help | --version

Options for run (drift, check, record and serve take them too):
${flagLines(RUN_FLAGS)}

Options for serve (and class --serve):
${flagLines(SERVE_FLAGS)}
${settingsAndVars(shown)}
Lab versions:
${LAB_VERSION_HELP}
${EXIT_CODES}`
}

/** `kubewalk COMMAND [SUB] --help`: its usage, what it does, its flags (and the walkthrough's settings when it replays). */
export function commandHelp(path: readonly Command[], shown: Walkthrough): string {
  const c = path[path.length - 1] as Command
  const parts = [`Usage:\n${usageLines(c)}`]
  for (const s of c.subcommands ?? []) parts.push(usageLines(s))
  for (const set of c.flags) parts.push(`${set.title ? `Options (${set.title}):` : 'Options:'}\n${flagLines(set.flags)}`)
  if (c.walkthroughSettings) parts.push(settingsAndVars(shown).trim())
  if (path[0]?.name === 'lab' && c.flags.some((s) => 'version' in s.flags)) parts.push(`Lab versions:\n${LAB_VERSION_HELP.trimEnd()}`)
  return `${parts.join('\n\n')}\n\n${EXIT_CODES}`
}

/** docs/reference/cli.md: every command and subcommand, its usage and its flags. */
export function cliReference(): string {
  const out = [
    '# CLI reference',
    '',
    '<!-- Written by `npm run docs:cli` from the command table (src/faces/commands/table.ts); do not edit by hand. -->',
    '',
    'Every command also answers `kubewalk COMMAND --help` and `kubewalk help COMMAND`.',
  ]
  for (const { name, command } of allCommands()) {
    out.push('', `## kubewalk ${name}`, '', command.summary.replace(/\n/g, ' '), '', '```', ...command.usage, '```')
    const ctrlC = { listens: 'stops the current step, then removes what the command created', 'read-only': 'stops (it only reads)', none: 'ends it' }
    out.push('', `Ctrl-C: ${ctrlC[command.signals]}.`)
    for (const set of command.flags) {
      if (Object.keys(set.flags).length === 0) continue
      out.push('', `| ${set.title ? `option (${set.title})` : 'option'} | meaning |`, '| --- | --- |')
      const cell = (text: string): string => text.replace(/\n/g, ' ').replace(/\|/g, '\\|')
      for (const [flag, f] of Object.entries(set.flags))
        out.push(`| ${cell(`\`--${flag}${f.value ? ` ${f.value}` : ''}\``)}${f.multiple ? ' (repeatable)' : ''} | ${cell(f.help)} |`)
    }
    const rules = [...(command.conflicts ?? []), ...(command.requires ?? [])].map((r) => `- ${r.message}`)
    if (rules.length > 0) out.push('', ...rules)
  }
  return `${out.join('\n')}\n`
}
