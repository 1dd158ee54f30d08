// Drift of a Markdown walkthrough reads each step as its default check does: tokens, times, ages, ids,
// addresses and ports are expected; what only the output has is a version difference; what the
// recording has and the output lacks is real. (A path-by-path diff of lines would call them all real.)
import { describe, expect, it } from 'vitest'
import { driftOf } from '../../../src/core/drift.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { run } from '../../../src/engine/runner.js'
import { articleCluster } from '../../helpers.js'

const base = { cluster: articleCluster, clusters: [articleCluster] }
const fence = '```'
const md = `# Drift

## A token

${fence}bash
printf 'token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJsaXZlIn0.bGl2ZS1zaWduYXR1cmU\\n'
${fence}

${fence}
token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZWNvcmRlZCJ9.cmVjb3JkZWQtc2lnbmF0dXJl
${fence}

## A port

${fence}bash
printf '{"kind": "Service", "port": 31234}\\n'
${fence}

${fence}json
{"kind": "Service", "port": 8080}
${fence}

## A newer kubectl says more

${fence}bash
printf 'configmap/a created\\nWarning: something new\\n'
${fence}

${fence}
configmap/a created
${fence}

## Compared for drift only

<!-- kubewalk: compare off -->
${fence}bash
printf 'configmap/b created\\n'
${fence}

${fence}
configmap/a created
${fence}
`

describe('drift of a Markdown walkthrough', () => {
  it('classifies as the default check does', async () => {
    const w = markdownWalkthrough('drift.md', md)
    const r = await run({ ...base, steps: w.steps })
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed'])
    const drift = driftOf(r, w, { namespace: 'default' })
    expect(drift.map((d) => [d.id, d.items.map((i) => i.kind)])).toEqual([
      ['a-token', ['expected']],
      ['a-port', ['expected']],
      ['a-newer-kubectl-says-more', ['version']],
      ['compared-for-drift-only', ['real']],
    ])
    // The line the output has in its place is said beside the recorded one.
    expect(drift[3]?.items[0]).toMatchObject({ article: 'configmap/a created', live: 'configmap/b created' })
  })
})
