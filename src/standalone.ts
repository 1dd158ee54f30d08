// Lets a step file run on its own (`npx tsx steps/05-call-api.ts`) for workshops: the article's
// variables come from the environment, the step's checks run against the current kubectl context.
import { pathToFileURL } from 'node:url'
import type { Step } from './step.js'

/** Runs `step` when its file is the program being executed; otherwise does nothing. */
export async function runIfMain(moduleUrl: string, step: Step<any>): Promise<void> {
  const entry = process.argv[1]
  if (entry === undefined || pathToFileURL(entry).href !== moduleUrl) return
  const { main } = await import('./cli.js')
  process.exitCode = await main(['run', '--only', step.id, ...process.argv.slice(2)])
}
