import { describe, expect, it } from 'vitest'
import { checkNamespaceName, isolatedName, namespaceCleanup } from '../src/namespaces.js'

describe('namespaces', () => {
  it.each(['team-a', 'a', 'x1', 'a'.repeat(63)])('accepts %s', (n) => expect(checkNamespaceName('--namespace', n)).toBe(n))
  it.each(['Team', 'team_a', '-a', 'a-', '', 'a.b', 'a'.repeat(64), 'a b', '$(rm)'])('refuses %j in one line naming the flag', (n) => {
    expect(() => checkNamespaceName('--namespace', n)).toThrow(new RegExp(`^--namespace ${JSON.stringify(n).replace(/[.*+?^${}()|[\]\\$]/g, '\\$&')} is not a namespace name`))
  })
  it('names isolated namespaces kubewalk- and 8 hex digits, each new', () => {
    const a = isolatedName()
    expect(a).toMatch(/^kubewalk-[0-9a-f]{8}$/)
    expect(checkNamespaceName('x', a)).toBe(a)
    expect(isolatedName()).not.toBe(a)
  })
  it('deletes an isolated namespace waiting until it is gone, within the command limit', () => {
    expect(namespaceCleanup('kubewalk-0123abcd', 30_000)).toEqual({ describe: 'delete namespace kubewalk-0123abcd', command: 'kubectl delete namespace kubewalk-0123abcd --ignore-not-found --wait=true --timeout=29s' })
  })
})
