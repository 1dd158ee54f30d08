// Lets a step file run on its own (`npx tsx steps/05-call-api.ts`) for workshops: the article's
// variables come from the environment, the step's checks run against the current kubectl context.
// It hands over to the CLI in a child process, so steps never import the CLI (no import cycle).
import { spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { packagePath } from './paths.js'
import type { Step } from './step.js'

/** Runs `step` through `kubewalk run --only` when its file is the program being executed. */
export async function runIfMain(moduleUrl: string, step: Step<any>): Promise<void> {
  const entry = process.argv[1]
  if (entry === undefined || pathToFileURL(entry).href !== moduleUrl) return
  const child = spawn(process.execPath, [packagePath('bin/kubewalk.js'), 'run', '--only', step.id, ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exitCode = await new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 130 : 1))))
}
