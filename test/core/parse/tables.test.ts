import { describe, expect, it } from 'vitest'
import { parseClusterTable, parseKubectlTable } from '../../../src/core/parse/tables.js'
import { ParseError } from '../../../src/core/errors.js'
import { fixture } from '../../helpers.js'

describe('parseClusterTable', () => {
  it('reads the article table', () => {
    expect(parseClusterTable('list-clusters', fixture('article/01-list-clusters.stdout.txt'))).toEqual({
      header: 'Cluster name\tServer',
      rows: [{ name: 'test', server: 'https://127.0.0.1:32784' }],
    })
  })
  it.each([
    ['', /printed nothing/],
    ['Cluster name\tServer\nno-tab-here\n', /row 1 has no TAB/],
  ])('rejects %j with a parse error naming the step', (input, message) => {
    expect(() => parseClusterTable('list-clusters', input)).toThrow(ParseError)
    expect(() => parseClusterTable('list-clusters', input)).toThrow(message)
    expect(() => parseClusterTable('list-clusters', input)).toThrow(/^list-clusters: /)
  })
})

describe('parseKubectlTable', () => {
  it('reads the article secrets table', () => {
    expect(parseKubectlTable('list-secrets-after', fixture('article/09-list-secrets-after.stdout.txt'))).toEqual([
      { NAME: 'default-token', TYPE: 'kubernetes.io/service-account-token', DATA: '3', AGE: '4s' },
    ])
  })
  it('returns no rows for an empty namespace (kubectl prints the notice on stderr)', () => {
    expect(parseKubectlTable('list-secrets-before', '')).toEqual([])
  })
  it('keeps columns apart when a value is longer than its header', () => {
    const text = 'NAME   TYPE     DATA   AGE\nx      Opaque   0      1d\nlonger-name-here   Opaque   12     5m\n'
    // kubectl re-aligns the header to the widest cell, so real output never overflows; this proves slicing by header start.
    expect(parseKubectlTable('t', text)[0]).toEqual({ NAME: 'x', TYPE: 'Opaque', DATA: '0', AGE: '1d' })
  })
  it.each([
    ['in the middle', 'NAME   TYPE     DATA   AGE\nx               0      1d\n', { NAME: 'x', TYPE: '', DATA: '0', AGE: '1d' }],
    ['at the end (the line stops early)', 'NAME   TYPE     DATA   AGE\nx      Opaque   0\n', { NAME: 'x', TYPE: 'Opaque', DATA: '0', AGE: '' }],
    ['in two columns side by side', 'NAME   TYPE     DATA   AGE\nx                      1d\n', { NAME: 'x', TYPE: '', DATA: '', AGE: '1d' }],
  ])('reads an empty value %s as an empty string, the next column unshifted', (_, text, row) => {
    expect(parseKubectlTable('t', text)).toEqual([row])
  })
  it.each([
    ['a header that does not start at column 0', '   NAME TYPE\n'],
    ['JSON (a kuberc that sets -o json for get)', '{\n    "apiVersion": "v1",\n    "items": []\n}\n'],
    ['YAML', 'apiVersion: v1\nitems: []\n'],
    ['names only (-o name)', 'secret/default-token\n'],
  ])('rejects %s as another format, one that waiting will not change', (_what, stdout) => {
    let error: unknown
    try {
      parseKubectlTable('t', stdout)
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({
      name: 'ParseError',
      wrongShape: true,
      message: expect.stringMatching(
        /^t: kubectl printed no table \(it begins .*\): another output format was chosen, e\.g\. by a kuberc default or an alias$/,
      ),
    })
  })
})
