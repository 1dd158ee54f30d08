// Preloaded (NODE_OPTIONS=--import) into kubewalk by the benchmark's memory runs, never its timed
// runs: on exit it appends the process's own peak RSS (getrusage maxrss, KiB) to $KUBEWALK_BENCH_RSS.
import { appendFileSync } from 'node:fs'

const file = process.env.KUBEWALK_BENCH_RSS
// Only kubewalk's own process: the guard's hook (a node that inherits NODE_OPTIONS) is not kubewalk's peak.
if (file && !/hook\.mjs$/.test(process.argv[1] ?? '')) process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`))
