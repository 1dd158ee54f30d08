// Preloaded (NODE_OPTIONS=--import) into kubewalk by the benchmark's memory runs, never its timed
// runs: on exit it appends the process's own peak RSS (getrusage maxrss, KiB) to $KUBEWALK_BENCH_RSS.
import { appendFileSync } from 'node:fs'

const file = process.env.KUBEWALK_BENCH_RSS
if (file) process.on('exit', () => appendFileSync(file, `${process.resourceUsage().maxRSS}\n`))
