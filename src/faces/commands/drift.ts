// kubewalk drift: a quiet replay that prints only how the cluster differs from the recording.
// The replay machinery is run's; this module is the command's entry and its one difference.
import type { CommandContext } from '../context.js'
import { cmdRun } from './run.js'

export const cmdDrift = (args: string[], cx: CommandContext): Promise<number> => cmdRun(args, cx, 'drift')
