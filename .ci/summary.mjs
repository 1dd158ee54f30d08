// Prints vitest's JSON results as one closing line, and fails when an end-to-end file ran nothing.
import { readFileSync } from 'node:fs'

const r = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const skipped = r.numPendingTests + r.numTodoTests
const e2eFiles = r.testResults.filter((f) => /\/test\/(e2e|lab)\//.test(f.name))
const idle = e2eFiles.filter((f) => !f.assertionResults.some((a) => a.status === 'passed'))
for (const f of r.testResults) for (const a of f.assertionResults) if (a.status === 'pending' || a.status === 'skipped') console.log(`skipped: ${a.fullName}`)
let code = r.success ? 0 : 1
if (e2eFiles.length === 0 || idle.length > 0) {
  console.log(`end-to-end files that ran no test: ${idle.map((f) => f.name).join(', ') || '(none found)'}`)
  code = 1
}
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`)
process.exit(code)
