// Lines the prose makes conditional that read an object the page never makes: left to the readers in that case.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { conditionalOn } from '../../../src/sources/markdown/conditional.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'

describe('conditionalOn', () => {
  const read = 'kubectl get pod multi-container-pod -o yaml'
  it('is the reason when the prose opens with a condition and the line reads an object no line makes', () => {
    expect(conditionalOn({ command: read, prose: 'If you are running a multi-container pod, you can use a Go template:' }, [])).toBe(
      'the page runs it only for a reader in its case ("If you are running a multi-container pod, …"), and no line of the page makes multi-container-pod',
    )
  })
  it('is undefined when the page makes the object, there is no condition, or the line changes something', () => {
    expect(conditionalOn({ command: read, prose: 'If you are running a multi-container pod:' }, ['multi-container-pod'])).toBeUndefined()
    expect(conditionalOn({ command: read, prose: 'Display the Pod:' }, [])).toBeUndefined()
    expect(conditionalOn({ command: 'kubectl create namespace dev', prose: 'If you have not already, create it:' }, [])).toBeUndefined()
    expect(conditionalOn({ command: 'kubectl get pods', prose: 'If you want, list them:' }, [])).toBeUndefined()
  })
})

describe('kubernetes/website determine-reason-pod-failure.md', () => {
  it('leaves the multi-container line to readers who run such a Pod, and runs the others', () => {
    const file = fileURLToPath(new URL('../../fixtures/docs/determine-reason-pod-failure/page.md', import.meta.url))
    const w = markdownWalkthrough(file, readFileSync(file, 'utf8'))
    const skipped = w.steps
      .filter((s) => s.manual !== undefined)
      .map((s) => (typeof s.command === 'string' ? s.command.split(' ').slice(0, 3).join(' ') : ''))
    expect(skipped).toEqual(['kubectl get pod'])
    expect(w.steps.find((s) => s.manual !== undefined)?.command).toMatch(/multi-container-pod/)
  })
})
