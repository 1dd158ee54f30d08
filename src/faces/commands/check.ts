// kubewalk check: a participant's own work, verified by the step's exercise (read-only).
// The replay machinery is run's; this module is the command's entry and its one difference.
import type { CommandContext } from '../context.js'
import { cmdRun } from './run.js'

export const cmdCheck = (args: string[], cx: CommandContext): Promise<number> => cmdRun(args, cx, 'check')
