// Step-through for instructors and participants: one key before each step.
import type { Step } from '../core/step.js'

export type Choice = 'run' | 'skip' | 'quit'

/** Maps a key press to a choice; undefined for keys that mean nothing here. */
export function choiceOf(key: string): Choice | undefined {
  if (key === '\r' || key === '\n' || key === ' ') return 'run'
  if (key === 's' || key === 'S') return 'skip'
  // Ctrl-C arrives as a key in raw mode: it quits the same way q does, with cleanup.
  if (key === 'q' || key === 'Q' || key === '\u0003' || key === '\u0004') return 'quit'
  return undefined
}

/** Asks before each step, reading single keys from a terminal; a signal (SIGTERM) answers quit. */
export function keyPrompt(
  stdin: NodeJS.ReadStream,
  write: (text: string) => void,
  signal?: AbortSignal,
): (step: Step, index: number) => Promise<Choice> {
  return (step) =>
    new Promise<Choice>((resolve) => {
      if (signal?.aborted) return resolve('quit')
      write(`  [Enter] run ${step.id} · [s] skip · [q] quit › `)
      stdin.setRawMode(true)
      stdin.resume()
      const done = (choice: Choice): void => {
        stdin.off('data', onData)
        signal?.removeEventListener('abort', onAbort)
        // The terminal goes back to normal whatever ends the prompt.
        stdin.setRawMode(false)
        stdin.pause()
        write(`${choice}\n`)
        resolve(choice)
      }
      const onData = (data: Buffer): void => {
        const choice = choiceOf(data.toString())
        if (choice !== undefined) done(choice)
      }
      const onAbort = (): void => done('quit')
      stdin.on('data', onData)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
}
