// Step-through for instructors and participants: one key before each step.
import type { Step } from './step.js'

export type Choice = 'run' | 'skip' | 'quit'

/** Maps a key press to a choice; undefined for keys that mean nothing here. */
export function choiceOf(key: string): Choice | undefined {
  if (key === '\r' || key === '\n' || key === ' ') return 'run'
  if (key === 's' || key === 'S') return 'skip'
  // Ctrl-C arrives as a key in raw mode: it quits the same way q does, with cleanup.
  if (key === 'q' || key === 'Q' || key === '\u0003' || key === '\u0004') return 'quit'
  return undefined
}

/** Asks before each step, reading single keys from a terminal. */
export function keyPrompt(stdin: NodeJS.ReadStream, write: (text: string) => void): (step: Step, index: number) => Promise<Choice> {
  return (step) =>
    new Promise<Choice>((resolve) => {
      write(`  [Enter] run ${step.id} · [s] skip · [q] quit › `)
      stdin.setRawMode(true)
      stdin.resume()
      const onData = (data: Buffer): void => {
        const choice = choiceOf(data.toString())
        if (choice === undefined) return
        stdin.off('data', onData)
        stdin.setRawMode(false)
        stdin.pause()
        write(`${choice}\n`)
        resolve(choice)
      }
      stdin.on('data', onData)
    })
}
