// kubewalk list: the walkthroughs, or one walkthrough's steps, variables and settings.
import type { CommandContext } from '../context.js'
import { EXIT, parse } from '../args.js'
import { LIST_FLAGS } from './flags.js'
import { UsageError } from '../../core/errors.js'
import { commandOf } from '../../core/step.js'
import type { Walkthrough } from '../../core/walkthrough.js'
import { originOf } from '../../sources/load/index.js'
import { loadWalkthrough } from './common.js'

const placeholder = { cluster: { name: 'some_server_name', server: '' }, namespace: 'default' }

function stepsJson(w: Walkthrough): object {
  return w.steps.map((s) => ({
    id: s.id,
    number: s.number,
    title: s.title,
    command: commandOf(s, placeholder),
    strictTlsCommand: s.strictTlsCommand ?? null,
    reads: s.reads.map((v) => v.name),
    writes: s.writes?.name ?? null,
  }))
}

export async function cmdList(args: string[], cx: CommandContext): Promise<number> {
  const { io } = cx
  const { values, positionals } = parse(args, LIST_FLAGS)
  if (positionals.length > 0) throw new UsageError(`list takes no arguments, got ${positionals[0]}.`)
  if (values.json && values.walkthrough === undefined) {
    // The walkthroughs the registry holds; one from a path is listed by naming it (--walkthrough PATH).
    const list = cx.walkthroughs.map((e, i) => ({ id: e.id, title: e.title, from: 'registry', default: i === 0 }))
    io.stdout(`${JSON.stringify({ walkthroughs: list }, null, 2)}\n`)
    return EXIT.ok
  }
  const w = await loadWalkthrough(cx.walkthroughs, values.walkthrough, io.env)
  if (values.json) {
    const o = originOf(w)
    const doc = {
      walkthrough: { id: w.id, title: w.title, from: o.kind === 'registry' ? 'registry' : o.path, ...(w.requires ? { requires: w.requires } : {}) },
      steps: stepsJson(w),
      vars: w.vars.map((v) => ({ name: v.name, secret: v.secret, describe: v.describe })),
      ...(w.placeholders !== undefined ? { placeholders: w.placeholders } : {}),
      settings: (w.settings ?? []).map((st) => ({ name: st.name, describe: st.describe, default: st.default })),
    }
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`)
    return EXIT.ok
  }
  io.stdout(`Walkthroughs (--walkthrough ID; the first is the default):\n`)
  for (const e of cx.walkthroughs) io.stdout(`  ${e.id === w.id && originOf(w).kind === 'registry' ? '*' : ' '} ${e.id.padEnd(12)} ${e.title}\n`)
  const o = originOf(w)
  if (o.kind !== 'registry') io.stdout(`  * ${w.id.padEnd(12)} ${w.title} (from ${o.path})\n`)
  io.stdout(`\nSteps of ${w.id}:\n`)
  for (const s of w.steps) {
    io.stdout(`${s.number}  ${s.id.padEnd(22)} ${s.title}\n`)
    commandOf(s, placeholder)
      .split('\n')
      .forEach((l, i) => io.stdout(`    ${i === 0 ? '$' : ' '} ${l}\n`))
    if (s.strictTlsCommand !== undefined) io.stdout(`    $ ${s.strictTlsCommand}   (--strict-tls)\n`)
  }
  if (w.vars.length > 0) {
    io.stdout(`\nVariables (taken from the environment when a step that reads one runs alone):\n`)
    for (const v of w.vars) io.stdout(`  $${v.name.padEnd(14)} ${v.describe}${v.secret ? ' (secret: masked)' : ''}\n`)
  }
  if ((w.placeholders ?? []).length > 0) {
    io.stdout(`\nPlaceholders (run, drift, check, record, serve: --set NAME=VALUE):\n`)
    for (const p of w.placeholders ?? []) io.stdout(`  ${p.name.padEnd(15)} ${p.describe}\n`)
  }
  if ((w.settings ?? []).length > 0) {
    io.stdout(`\nSettings (flags of run, drift and check):\n`)
    for (const s of w.settings ?? []) io.stdout(`  --${s.name} N`.padEnd(22) + ` ${s.describe} (default ${s.default})\n`)
  }
  return EXIT.ok
}
