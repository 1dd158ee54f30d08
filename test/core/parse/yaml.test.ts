import { describe, expect, it, vi } from 'vitest'
import { parseKubeList, secretDataValues } from '../../../src/core/parse/yaml.js'
import { fixture } from '../../helpers.js'

// Counts yaml's parses: a step's parse and its Secrets' masking read one output with one.
const parses = vi.hoisted(() => ({ count: 0 }))
vi.mock('yaml', async (original) => {
  const yaml = await original<typeof import('yaml')>()
  return {
    ...yaml,
    parseDocument: (...args: Parameters<typeof yaml.parseDocument>) => {
      parses.count++
      return yaml.parseDocument(...args)
    },
  }
})

describe('one output read by parse and secrets', () => {
  it('is parsed once, and each gets objects of its own', () => {
    const text = fixture('article/10-secrets-yaml.stdout.txt')
    const before = parses.count
    const list = parseKubeList('secrets-yaml', text)
    const values = secretDataValues(text)
    expect(parses.count - before).toBe(1)
    // A step's parse may change what it got; the masking reads the output as kubectl printed it.
    const data = list.items[0]?.data ?? {}
    const token = data.token
    data.token = 'changed'
    expect(values).toContain(token)
    expect(parseKubeList('secrets-yaml', text).items[0]?.data?.token).toBe(token)
    expect(secretDataValues(`${text}\n`)).toEqual(values)
    expect(parses.count - before).toBe(2)
  })
})

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

describe('secretDataValues on output cut short', () => {
  it('still finds the values printed before the cut, and never throws', () => {
    const value = Buffer.from('a-database-password-of-some-length').toString('base64')
    // A timeout mid-print: a mapping left open, a quoted scalar never closed.
    const cut = `apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    password: ${value}\n  kind: Secret\n  metadata:\n    name: "half`
    expect(secretDataValues(cut)).toContain(value)
    // Output whose structure is lost (the yaml parser recovers the value, but not under data): found by its lines.
    const broken = `    password: ${value}\n bad: x\n   - y\n: [`
    expect(secretDataValues(broken)).toContain(value)
    expect(secretDataValues('error: the server doesn\'t have a resource type "secrets"\n')).toEqual([])
    expect(secretDataValues(':\n  - [')).toEqual([])
  })
})
