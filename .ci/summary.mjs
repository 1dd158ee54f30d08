// Prints vitest's JSON results as one closing line, and fails when an end-to-end file ran nothing or,
// under CI, skipped anything: an end-to-end test that did not run is not a passed one.
import { readFileSync } from 'node:fs'

const r = JSON.parse(readFileSync(process.argv[2], 'utf8'))
// Like most CI tools: any CI value but "", "false" or "0" (test/e2e/global-setup.ts reads it the same way).
const ci = !['', 'false', '0'].includes((process.env.CI ?? '').trim().toLowerCase())
const isE2e = (f) => /\/test\/(e2e|platform\/lab)\//.test(f.name)
const notRun = new Set(['pending', 'skipped', 'todo', 'disabled'])
const skipped = r.numPendingTests + r.numTodoTests
let code = r.success ? 0 : 1
for (const f of r.testResults) {
  for (const a of f.assertionResults) {
    if (!notRun.has(a.status)) continue
    const word = a.status === 'todo' ? 'todo' : 'skipped'
    if (ci && isE2e(f)) {
      console.log(`${word} in an end-to-end file under CI: ${a.fullName}`)
      code = 1
    } else console.log(`${word}: ${a.fullName}`)
  }
}
const e2eFiles = r.testResults.filter(isE2e)
const idle = e2eFiles.filter((f) => !f.assertionResults.some((a) => a.status === 'passed'))
if (e2eFiles.length === 0 || idle.length > 0) {
  console.log(`end-to-end files that ran no test: ${idle.map((f) => f.name).join(', ') || '(none found)'}`)
  code = 1
}
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`)
process.exit(code)
