// kubewalk drift: a quiet replay that prints only how the cluster differs from the recording.
// The replay machinery is run's; this module is the command's entry and its one difference.
import { cmdRun } from './run.js'
import type { CommandContext } from './common.js'

export const cmdDrift = (args: string[], cx: CommandContext): Promise<number> => cmdRun(args, cx, 'drift')
