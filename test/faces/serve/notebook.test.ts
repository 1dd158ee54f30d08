// The notebook's order rule: a cell whose inputs no earlier step set, or that deletes what this
// session did not create, names the step to run first.
import { describe, expect, it } from 'vitest'
import { orderProblem } from '../../../src/faces/serve/notebook.js'
import { walkthroughs } from '../../../walkthroughs/index.js'

const article = await walkthroughs[0]!.load()
const steps = article.steps
const at = (id: string) => steps.find((s) => s.id === id)!

describe('orderProblem', () => {
  it('names the earliest step the cell needs, through the steps that need others', () => {
    expect(orderProblem([at('call-api')], steps, {}, [])).toBe(
      '05 call-api needs $APISERVER and $TOKEN, which no step run here has set: run 02 set-cluster-name first (Run up to here runs the steps before it).',
    )
    // With the URL known, what is left is the token.
    expect(orderProblem([at('call-api')], steps, { APISERVER: 'https://x', CLUSTER_NAME: 'c' }, [])).toMatch(
      /^05 call-api needs \$TOKEN, .*: run 04 create-token first/,
    )
  })
  it("a deleting step without the session's object names the step that creates it", () => {
    expect(orderProblem([at('delete-token-secret')], steps, {}, [])).toMatch(
      /^13 delete-token-secret deletes .*, which this session did not create: run 08 apply-token-secret first/,
    )
  })
  it('a batch that sets what its later steps read, or creates what they delete, is in order', () => {
    expect(orderProblem(steps.slice(0, 5), steps, {}, [])).toBeUndefined()
    expect(orderProblem(steps.slice(7, 13), steps, { APISERVER: 'https://x' }, [])).toBeUndefined()
  })
})
