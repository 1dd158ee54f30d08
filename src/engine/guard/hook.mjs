// @ts-check
// The guard's slow path in a process of its own: run by the kubectl shim (a child process's call: xargs,
// watch, a script) or by the function when the kubewalk process cannot be reached, as `node hook.mjs
// ARGV...`, for a call whose verb changes objects. call.mjs decides; this reads what the call reads once,
// runs the real kubectl with the original argv and the terminal's streams, and exits with its status.
// The read-only path never gets here: the shim's `case` runs the real kubectl at once.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { broken, guardCall, readOnce } from './call.mjs'
import { kubectlView } from './kuberc.mjs'

const state = process.env.KUBEWALK_GUARD_STATE ?? ''
const argv = process.argv.slice(2)
let ran = false

// Any failure of the guard itself fails the step as a refusal: before the real call, the call does not
// run; after it, what it created may be missing from the ledger, and the message says so.
function fail(e) {
  try {
    process.stderr.write(`${broken(state, argv, e, ran)}\n`)
  } finally {
    process.exit(2)
  }
}
process.on('uncaughtException', fail)

/** The kubewalk process may still be recording a call of the function (its uid read): the ledger is read after it. */
async function settled() {
  const dir = join(state, 'pending')
  for (let i = 0; i < 3000 && existsSync(dir) && readdirSync(dir).length > 0; i++) await new Promise((r) => setTimeout(r, 10))
}

async function main() {
  // `-f -`, `<(…)` and heredocs are read once: the same bytes go to the dry run and to the real call.
  let input
  const call = [...argv]
  let n = 0
  for (const f of readOnce(argv, process.cwd())) {
    if (f.file === '-') {
      input ??= readFileSync(0)
      continue
    }
    mkdirSync(join(state, 'input'), { recursive: true })
    const copy = join(state, 'input', `${process.pid}-${n++}`)
    writeFileSync(copy, readFileSync(f.file))
    call[f.at] = `${f.prefix}${copy}`
  }
  await settled()
  const env = process.env
  const view = await kubectlView({ argv: call, env, cwd: process.cwd(), state })
  const guard = guardCall({ state, call, input, env, cwd: process.cwd(), view })
  const verdict = await guard.check()
  if (verdict.refusal !== undefined) {
    process.stderr.write(`${verdict.refusal}\n`)
    process.exit(2)
  }
  if (verdict.failed !== undefined) {
    process.stderr.write(verdict.failed.stderr)
    process.exit(verdict.failed.status)
  }
  ran = true
  const done = spawnSync(guard.real, call, { input, stdio: [input === undefined ? 'inherit' : 'pipe', 'inherit', 'inherit'] })
  const status = done.status ?? 128 + (done.signal === 'SIGINT' ? 2 : done.signal === 'SIGKILL' ? 9 : 15)
  await guard.record(status)
  process.exit(status)
}
main().catch(fail)
