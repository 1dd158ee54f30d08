// Ways a page offers to do one thing: the first is run, the others are skipped with the reason.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { alternativeTo, createdObject } from '../../../src/sources/markdown/alternatives.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'
import { parseMarkdown } from '../../../src/sources/markdown/parse.js'
import { draftSteps, equivalentForms } from '../../../src/sources/markdown/steps.js'

const page = (slug: string): string => fileURLToPath(new URL(`../../fixtures/docs/${slug}/page.md`, import.meta.url))

describe('createdObject', () => {
  it.each([
    ['kubectl create secret generic db-user-pass \\\n    --from-literal=username=devuser', 'secret/db-user-pass'],
    ['kubectl create deployment web --image=nginx', 'deployment/web'],
    ['kubectl -n demo create configmap game-config --from-file=x', 'configmap/game-config'],
    ['kubectl run nginx --image=nginx', 'pod/nginx'],
    ['kubectl create -f pod.yaml', undefined],
    ['kubectl apply -f pod.yaml', undefined],
    ['kubectl create secret generic a\nkubectl get secrets', undefined],
  ])('%s', (command, object) => expect(createdObject(command)).toBe(object))
})

describe('alternativeTo', () => {
  const d = (command: string, recording?: string) => ({ command, ...(recording !== undefined ? { recording: { text: recording } } : {}) })
  it('is the step that creates an earlier step’s object again', () => {
    const drafts = [
      d('kubectl create secret generic s --from-literal=a=b'),
      d('kubectl get secrets'),
      d('kubectl create secret generic s --from-file=a'),
    ]
    expect(alternativeTo(drafts, 0)).toBeUndefined()
    expect(alternativeTo(drafts, 2)).toMatch(/^an alternative the page offers to step 01: it creates secret\/s again/)
  })
  it('is not one when the object was deleted between, or the page shows the refusal', () => {
    expect(alternativeTo([d('kubectl create ns a'), d('kubectl delete namespace a'), d('kubectl create ns a')], 2)).toBeUndefined()
    expect(alternativeTo([d('kubectl create ns a'), d('kubectl delete ns/a'), d('kubectl create ns a')], 2)).toBeUndefined()
    const refused = 'error: failed to create namespace: namespaces "a" already exists'
    expect(alternativeTo([d('kubectl create ns a'), d('kubectl create ns a', refused)], 1)).toBeUndefined()
    expect(alternativeTo([d('kubectl create ns a'), d('kubectl create ns b')], 1)).toBeUndefined()
  })
})

describe('kubernetes/website managing-secret-using-kubectl.md', () => {
  // "Use raw data" or "Use source files" (and, there, the same with key names): one Secret, three ways.
  const w = markdownWalkthrough(page('managing-secret-using-kubectl'), readFileSync(page('managing-secret-using-kubectl'), 'utf8'))
  const creates = w.steps.filter((s) => typeof s.command === 'string' && s.command.startsWith('kubectl create secret generic db-user-pass'))
  it('runs the first way, and skips the others saying why', () => {
    expect(creates).toHaveLength(3)
    expect(creates[0]?.manual).toBeUndefined()
    expect(creates[1]?.manual).toMatch(/^an alternative the page offers to step \d\d: it creates secret\/db-user-pass again/)
    // Pointed at the way that runs, not at another alternative.
    expect(creates[1]?.manual?.slice(0, 45)).toBe(creates[2]?.manual?.slice(0, 45))
    expect(creates[2]?.manual).toContain(`step ${creates[0]?.number}`)
  })
})

describe('equivalentForms', () => {
  it.each([
    ['The following commands are equivalent:', 'The following commands are equivalent'],
    ['You can patch it from a file or inline. These two commands are equivalent.', 'These two commands are equivalent'],
    ['Use either of the following commands:', 'Use either of the following commands'],
    ['Run one of the following commands to create it:', 'Run one of the following commands'],
  ])('%s', (prose, words) => expect(equivalentForms(prose)).toBe(words))

  it.each([
    'The following commands create the Pod:',
    'Run the following commands:',
    'These commands are run in order.',
    'The commands above are equivalent to this one:',
  ])('not %s', (prose) => expect(equivalentForms(prose)).toBeUndefined())
})

describe('a block of equivalent forms', () => {
  const doc = (prose: string) =>
    draftSteps(
      parseMarkdown(
        'w.md',
        `# W\n\n${prose}\n\n\`\`\`shell\nkubectl patch deployment d --patch-file p.yaml\nkubectl patch deployment d --patch 'spec: {}'\n\nkubectl patch deployment d --patch-file p.json\n\`\`\`\n\n\`\`\`\ndeployment.apps/d patched\n\`\`\`\n`,
      ),
    )

  it('is one step per command: the first runs and records the output, the others are shown with the reason', () => {
    const drafts = doc('The following commands are equivalent:')
    expect(drafts.map((d) => d.command)).toEqual([
      'kubectl patch deployment d --patch-file p.yaml',
      "kubectl patch deployment d --patch 'spec: {}'",
      'kubectl patch deployment d --patch-file p.json',
    ])
    expect(drafts[0]?.annotations.manual).toBeUndefined()
    expect(drafts[0]?.recording?.text).toBe('deployment.apps/d patched')
    for (const d of drafts.slice(1))
      expect(d.annotations.manual).toBe('an equivalent form of step 01 the page offers ("The following commands are equivalent"): a reader runs one')
  })

  it('stays one step that runs every command when the prose says nothing of the kind', () => {
    const drafts = doc('Patch the Deployment:')
    expect(drafts).toHaveLength(1)
    expect(drafts[0]?.annotations.manual).toBeUndefined()
  })
})

describe('kubernetes/website update-api-object-kubectl-patch.md, run', () => {
  // Its last block: "The following commands are equivalent:" and four forms of one patch (the second, in single
  // quotes, keeps `\n` as a backslash and an n, which kubectl refuses).
  const w = markdownWalkthrough(page('update-api-object-kubectl-patch'), readFileSync(page('update-api-object-kubectl-patch'), 'utf8'))
  const last = w.steps.slice(-4)

  it('runs the first form and shows the three others as not run, saying why', () => {
    expect(last.map((s) => (typeof s.command === 'string' ? s.command : ''))).toEqual([
      'kubectl patch deployment patch-demo --patch-file patch-file.yaml',
      "kubectl patch deployment patch-demo --patch 'spec:\\n template:\\n  spec:\\n   containers:\\n   - name: patch-demo-ctr-2\\n     image: redis'",
      'kubectl patch deployment patch-demo --patch-file patch-file.json',
      `kubectl patch deployment patch-demo --patch '{"spec": {"template": {"spec": {"containers": [{"name": "patch-demo-ctr-2","image": "redis"}]}}}}'`,
    ])
    expect(last[0]?.manual).toBeUndefined()
    for (const s of last.slice(1))
      expect(s.manual).toMatch(/^an equivalent form of step \d\d the page offers \("The following commands are equivalent"\)/)
    expect(last[1]?.manual).toContain(`step ${last[0]?.number}`)
  })
})
