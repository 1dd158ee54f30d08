import { describe, expect, it } from 'vitest'
import { parse } from '../../src/faces/args.js'
import { UsageError } from '../../src/core/errors.js'

const FLAGS = { token: { type: 'string' }, json: { type: 'boolean' } } as const

describe('parse', () => {
  it('returns the flags and the positionals', () => {
    expect(parse(['--token', 't', 'x', '--json'], FLAGS)).toEqual({ values: { token: 't', json: true }, positionals: ['x'] })
    expect(parse(['--token=-t'], FLAGS).values.token).toBe('-t')
  })

  it.each([
    [['--token', '--json'], "option --token needs a value (write --token=VALUE when the value starts with '-'); see kubewalk --help."],
    [['--token', '-x'], "option --token needs a value (write --token=VALUE when the value starts with '-'); see kubewalk --help."],
    [['--token'], 'option --token needs a value; see kubewalk --help.'],
    [['--json=yes'], 'option --json takes no value; see kubewalk --help.'],
    [['--bogus'], "unknown option '--bogus'; see kubewalk --help."],
    [['-z'], "unknown option '-z'; see kubewalk --help."],
  ])('%j is a one-line usage error', (args, message) => {
    let error: unknown
    try {
      parse(args, FLAGS)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toBe(message)
  })
})
