// Lets a step file run on its own (`npx tsx steps/05-call-api.ts`) for workshops: the walkthrough's
// variables come from the environment, the step's checks run against the current kubectl context.
// It hands over to the CLI in a child process, so steps never import the CLI (no import cycle).
import { spawn } from 'node:child_process'
import { basename } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { packagePath } from '../platform/paths.js'
import type { Step } from '../core/step.js'

/** Whether `entry` (the program node was asked to run) is the file of `step` at `moduleUrl`. */
export function isStepMain(entry: string | undefined, moduleUrl: string, step: Pick<Step, 'id' | 'number'>): boolean {
  if (entry === undefined || pathToFileURL(entry).href !== moduleUrl) return false
  // Bundled, every step shares the bundle's import.meta.url: only a step's own file name counts.
  return basename(fileURLToPath(moduleUrl)).replace(/\.[cm]?[jt]s$/, '') === `${step.number}-${step.id}`
}

/** Runs `step` through `kubewalk run --only` when its file is the program being executed. */
export async function runIfMain(moduleUrl: string, step: Step<any>, walkthroughId?: string): Promise<void> {
  if (!isStepMain(process.argv[1], moduleUrl, step)) return
  const which = walkthroughId === undefined ? [] : ['--walkthrough', walkthroughId]
  const child = spawn(process.execPath, [packagePath('bin/kubewalk.js'), 'run', ...which, '--only', step.id, ...process.argv.slice(2)], {
    stdio: 'inherit',
  })
  process.exitCode = await new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 130 : 1))))
}
