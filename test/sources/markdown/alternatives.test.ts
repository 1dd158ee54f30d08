// Ways a page offers to do one thing: the first is run, the others are skipped with the reason.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { alternativeTo, createdObject } from '../../../src/sources/markdown/alternatives.js'
import { markdownWalkthrough } from '../../../src/sources/markdown/index.js'

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
    ['kubectl create namespace <insert-namespace-name-here>', 'namespace/<insert-namespace-name-here>'],
  ])('%s', (command, object) => expect(createdObject(command)).toBe(object))
  it('kubectl create -f FILE makes the one object of the file the page gives under that name', () => {
    const ns = { name: 'my-namespace.yaml', content: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: <insert-namespace-name-here>\n' }
    expect(createdObject('kubectl create -f ./my-namespace.yaml', [ns])).toBe('namespace/<insert-namespace-name-here>')
    expect(createdObject('kubectl create --filename=my-namespace.yaml', [ns])).toBe('namespace/<insert-namespace-name-here>')
    expect(createdObject('kubectl create -f other.yaml', [ns])).toBeUndefined()
    const two = { name: 'two.yaml', content: 'kind: Namespace\nmetadata:\n  name: a\n---\nkind: Namespace\nmetadata:\n  name: b\n' }
    expect(createdObject('kubectl create -f two.yaml', [two])).toBeUndefined()
  })
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
  it('a page’s "Alternatively" after a file it gives (kubernetes/website namespaces.md): the same placeholder name is the same object', () => {
    const file = { name: 'my-namespace.yaml', content: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: <insert-namespace-name-here>\n' }
    const drafts = [{ command: 'kubectl create -f ./my-namespace.yaml', files: [file] }, d('kubectl create namespace <insert-namespace-name-here>')]
    expect(alternativeTo(drafts, 1)).toMatch(/^an alternative the page offers to step 01: it creates namespace\/<insert-namespace-name-here> again/)
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
