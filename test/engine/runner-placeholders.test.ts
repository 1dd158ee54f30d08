// The runner's part in placeholders: a line sees what earlier steps of the run made of their output
// (so `<pod-name>` can be the one Pod the run created), a placeholder's value (`--set pod-name=…`) is
// put in the line and never exported to the shell, and an unfilled one refuses its step (exit 2).
import { describe, expect, it } from 'vitest'
import { run } from '../../src/engine/runner.js'
import { exitCodeFor } from '../../src/core/errors.js'
import { markdownWalkthrough } from '../../src/sources/markdown/index.js'
import { articleCluster } from '../helpers.js'

const base = { cluster: articleCluster, clusters: [articleCluster] }
// The first line prints what kubectl prints when it creates a Pod; the second names the Pod by its placeholder.
const page = (made: string): string =>
  `# P\n\n\`\`\`bash\nprintf '${made}'\n\`\`\`\n\n\`\`\`bash\necho "logs of" <pod-name>; env | grep -c '^pod-name=' || true\n\`\`\`\n`

describe('a <pod-name> placeholder, run', () => {
  it('is the one Pod an earlier line of the run said it created', async () => {
    const w = markdownWalkthrough('p.md', page('pod/web created\\n'))
    const r = await run({ ...base, steps: w.steps })
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed'])
    expect(r.steps[1]?.command).toBe(`echo "logs of" web; env | grep -c '^pod-name=' || true`)
    expect(r.steps[1]?.output.stdout).toBe('logs of web\n0\n')
  })
  it('is what --set gives, put in the line and not exported', async () => {
    const w = markdownWalkthrough('p.md', page('pod/a created\\npod/b created\\n'))
    const r = await run({ ...base, steps: w.steps, vars: { 'pod-name': 'b' } })
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed'])
    expect(r.steps[1]?.output.stdout).toBe('logs of b\n0\n')
  })
  it('refuses its step, naming it, when the run made two Pods and nothing was set: exit 2, the line never runs', async () => {
    const w = markdownWalkthrough('p.md', page('pod/a created\\npod/b created\\n'))
    const r = await run({ ...base, steps: w.steps })
    expect(r.steps[1]?.status).toBe('failed')
    expect(r.steps[1]?.attempts).toBe(0)
    expect(r.steps[1]?.error?.message).toMatch(/<pod-name> is a placeholder; give it with --set pod-name=VALUE/)
    expect(exitCodeFor(r.steps[1]?.error?.code)).toBe(2)
  })
})
