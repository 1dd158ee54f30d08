// kubewalk record: replays a walkthrough (through src/faces/replay) and writes each step's output as its
// recording: into a Markdown walkthrough's output blocks (the file written whole), or one file per
// part (src/sources/recordings.ts) with what it was recorded on (source.json).
// JWTs lose their signature and other secret values are masked in what it writes. Nothing is
// overwritten without --force; an existing file is named before anything touches a cluster.
import type { CommandContext } from '../context.js'
import { existsSync, statSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { EXIT, takeFlags } from '../args.js'
import { RECORD_FLAGS } from './flags.js'
import { UsageError } from '../../core/errors.js'
import { originOf } from '../../sources/load/index.js'
import { checkOutputFile, writeWhole } from '../outfile.js'
import { RECORDING_PARTS, recordingFile } from '../../sources/recordings.js'
import { maskForRecording } from '../../engine/redact.js'
import { replay, type ReplayOutcome } from '../replay/index.js'
import type { Step } from '../../core/step.js'
import { planRun, type RunPlan } from './run.js'

/** record's own flags, taken out before the rest goes to run's parser (--out is a folder here, not a report file). */
function ownFlags(args: readonly string[]): { out?: string; force: boolean; rest: string[] } {
  const { taken, rest } = takeFlags(args, RECORD_FLAGS)
  if (taken.out === '') throw new UsageError('--out needs a folder.')
  return { ...(typeof taken.out === 'string' ? { out: taken.out } : {}), force: taken.force === true, rest }
}

/** The files a step's recording may take, in `dir`. */
const filesOf = (dir: string, step: Step): string[] => [...RECORDING_PARTS.map((p) => join(dir, recordingFile(step, p)))]

export async function cmdRecord(args: string[], cx: CommandContext): Promise<number> {
  const { io } = cx
  const { out, force, rest } = ownFlags(args)
  for (const flag of ['--reporter', '--transcript', '--interactive', '--show-secrets', '--solution', '--dry-run']) {
    if (rest.some((a) => a === flag || a.startsWith(`${flag}=`))) throw new UsageError(`record takes no ${flag}: it writes recordings, not a report.`)
  }
  const plan = await planRun(rest, cx, 'run')
  if ('solution' in plan || 'forget' in plan) throw new UsageError('record takes neither --solution nor --forget.')
  const w = plan.walkthrough
  const origin = originOf(w)
  let dir: string
  if (out !== undefined) dir = resolve(out)
  else if (origin.kind === 'folder') dir = resolve(origin.path, 'recorded')
  else if (origin.kind === 'markdown') return recordMarkdown(origin.path, plan, force, cx)
  else throw new UsageError(`record --walkthrough ${w.id}: a walkthrough kubewalk ships has no folder of yours to record into; give --out DIR.`)
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${out ?? dir}: not a folder.`)
  const taken = [...plan.steps.flatMap((s) => filesOf(dir, s)), join(dir, 'source.json')].filter((f) => existsSync(f))
  if (taken.length > 0 && !force)
    throw new UsageError(
      `${taken[0]} exists; record never overwrites a recording without --force${taken.length > 1 ? ` (${taken.length - 1} more file(s) would be replaced)` : ''}.`,
    )

  let outcome: ReplayOutcome | undefined
  const code = await replay(plan, cx, (o) => void (outcome = o))
  if (outcome === undefined || !outcome.result.ok) {
    io.stderr(`kubewalk: the replay did not pass, so nothing was recorded (${dir} is as it was).\n`)
    return code === EXIT.ok ? EXIT.failed : code
  }
  const { result, cluster, secrets } = outcome
  await mkdir(dir, { recursive: true })
  let written = 0
  for (const s of result.steps) {
    const step = plan.steps.find((x) => x.id === s.id)
    if (step === undefined || s.status !== 'passed') continue
    // --force replaces a step's recording whole: a part it no longer prints must not linger.
    for (const f of filesOf(dir, step)) await rm(f, { force: true })
    const parts: [string, string | undefined][] = [
      ['stdout', s.output.stdout],
      ['stderr', s.output.stderr],
      ['captured', s.captured?.value],
      ['exit', s.output.exitCode !== 0 && s.output.exitCode !== null ? `${s.output.exitCode}\n` : undefined],
    ]
    for (const [part, text] of parts) {
      if (text === undefined || (text === '' && part !== 'captured')) continue
      await writeFile(join(dir, recordingFile(step, part as 'stdout')), maskForRecording(text, secrets), { flag: force ? 'w' : 'wx' })
      written++
    }
  }
  const source = {
    kubernetes: cluster.version,
    ...(cluster.kubectl ? { kubectl: cluster.kubectl.version } : {}),
    cluster: { name: cluster.name, server: cluster.server },
    recordedAt: result.startedAt,
  }
  await writeFile(join(dir, 'source.json'), `${JSON.stringify(source, null, 2)}\n`, { flag: force ? 'w' : 'wx' })
  io.stderr(
    `recorded ${result.steps.length} step(s) of ${w.id} from ${cluster.name} (${cluster.server}, Kubernetes ${cluster.version}) into ${dir}: ${written} file(s) and source.json; JWTs unsigned, other secrets masked\n`,
  )
  return EXIT.ok
}

/**
 * Records into a Markdown walkthrough: each passed step's output into the block that records it, or a
 * new one after the step's block. An existing block is replaced only with --force: refused (exit 2,
 * naming file:line) before anything touches a cluster.
 */
async function recordMarkdown(file: string, plan: RunPlan, force: boolean, cx: CommandContext): Promise<number> {
  const { io } = cx
  const { recordingSlots, recordingText, withRecordings } = await import('../../sources/markdown/record.js')
  const { substitute } = await import('../../sources/markdown/checks.js')
  checkOutputFile('--walkthrough', file)
  const source = await readFile(file, 'utf8')
  const slots = recordingSlots(file, source)
  const w = plan.walkthrough
  const indexOf = new Map(w.steps.map((s, i) => [s.id, i]))
  const taken = plan.steps.flatMap((s) => {
    const slot = slots[indexOf.get(s.id) ?? -1]
    return slot !== undefined && typeof slot === 'object' && slot.existing !== undefined ? [{ step: s, line: slot.existing }] : []
  })
  const [first] = taken
  if (first !== undefined && !force) {
    throw new UsageError(
      `${file}:${first.line}: step ${first.step.number} ${first.step.id} already has its recorded output here; record never overwrites one without --force${taken.length > 1 ? ` (${taken.length - 1} more would be replaced)` : ''}.`,
    )
  }
  // The outputs it replaces are not what the replay is judged by: its steps as if they had none.
  const { markdownWalkthrough } = await import('../../sources/markdown/index.js')
  const fresh = new Map(markdownWalkthrough(file, source, { recordings: false }).steps.map((s) => [s.id, s]))
  const unjudged = { ...plan, steps: plan.steps.map((s) => fresh.get(s.id) ?? s) }
  let outcome: ReplayOutcome | undefined
  const code = await replay(unjudged, cx, (o) => void (outcome = o))
  if (outcome === undefined || !outcome.result.ok) {
    io.stderr(`kubewalk: the replay did not pass, so nothing was recorded (${file} is as it was).\n`)
    return code === EXIT.ok ? EXIT.failed : code
  }
  const { result, cluster, secrets } = outcome
  // The recordings show the namespace a reader works in: the run's own stands for it in what is written.
  const namespace = cluster.namespace
  const texts = new Map<number, string>()
  for (const s of result.steps) {
    const index = indexOf.get(s.id)
    const step = index === undefined ? undefined : w.steps[index]
    if (index === undefined || step === undefined || s.status !== 'passed') continue
    let text = recordingText(s.command, {
      ...s.output,
      ...(s.captured ? { captured: s.captured.value } : {}),
    })
    if (namespace !== undefined && namespace !== 'default') text = substitute(text, [{ recorded: 'default', live: namespace }])
    texts.set(index, maskForRecording(text, secrets))
  }
  if ((await readFile(file, 'utf8')) !== source) {
    io.stderr(`kubewalk: ${file} changed while the replay ran, so nothing was recorded into it; run record again.\n`)
    return EXIT.failed
  }
  const { text, replaced, added } = withRecordings(source, slots, texts)
  await writeWhole(file, text)
  const unplaced = plan.steps
    .filter((s) => typeof slots[indexOf.get(s.id) ?? -1] === 'string')
    .map((s) => `${s.number} ${s.id} (${slots[indexOf.get(s.id) ?? -1] as string})`)
  io.stderr(
    `recorded ${result.steps.length} step(s) of ${w.id} from ${cluster.name} (${cluster.server}, Kubernetes ${cluster.version}) into ${file}: ${replaced.length} output block(s) replaced, ${added.length} added${unplaced.length > 0 ? `; not recorded: ${unplaced.join(', ')}` : ''}; JWTs unsigned, other secrets masked\n`,
  )
  return EXIT.ok
}
