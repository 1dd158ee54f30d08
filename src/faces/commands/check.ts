// kubewalk check: a participant's own work, verified by the step's exercise (read-only).
// The replay machinery is run's; this module is the command's entry and its one difference.
import { cmdRun } from './run.js'
import type { CommandContext } from './common.js'

export const cmdCheck = (args: string[], cx: CommandContext): Promise<number> => cmdRun(args, cx, 'check')
