import { describe, expect, it } from 'vitest'
import { parseKubeList } from '../../src/parse/yaml.js'
import { fixture } from '../helpers.js'

describe('parseKubeList', () => {
  it('reads the article secrets list', () => {
    const list = parseKubeList('secrets-yaml', fixture('article/10-secrets-yaml.stdout.txt'))
    expect(list.kind).toBe('List')
    expect(list.items).toHaveLength(1)
    expect(list.items[0]?.metadata?.name).toBe('default-token')
    expect(Object.keys(list.items[0]?.data ?? {}).sort()).toEqual(['ca.crt', 'namespace', 'token'])
  })
  it.each([
    ['kind: List\nitems: [\n', /does not parse/],
    ['just a string', /expected a YAML mapping/],
    ['items: []\n', /has no kind/],
    ['kind: Secret\n', /expected items in a Secret/],
  ])('rejects %j naming the step', (input, message) => {
    expect(() => parseKubeList('secrets-yaml', input)).toThrow(message)
    expect(() => parseKubeList('secrets-yaml', input)).toThrow(/^secrets-yaml: /)
  })
})
