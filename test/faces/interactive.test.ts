import { describe, expect, it } from 'vitest'
import { choiceOf } from '../../src/faces/interactive.js'

describe('choiceOf', () => {
  it.each([
    ['\r', 'run'],
    ['\n', 'run'],
    [' ', 'run'],
    ['s', 'skip'],
    ['S', 'skip'],
    ['q', 'quit'],
    ['\u0003', 'quit'],
    ['\u0004', 'quit'],
    ['x', undefined],
    ['\u001b[A', undefined],
  ])('%j → %s', (key, choice) => expect(choiceOf(key)).toBe(choice))
})

describe('keyPrompt', () => {
  it('answers quit when the run is aborted (SIGTERM) and gives the terminal back', async () => {
    const { PassThrough } = await import('node:stream')
    const { keyPrompt } = await import('../../src/faces/interactive.js')
    const raw: boolean[] = []
    const stdin = Object.assign(new PassThrough(), { setRawMode: (on: boolean) => void raw.push(on) }) as unknown as NodeJS.ReadStream
    const ac = new AbortController()
    const ask = keyPrompt(stdin, () => {}, ac.signal)({ id: 'x' } as never, 0)
    setTimeout(() => ac.abort(), 20)
    expect(await ask).toBe('quit')
    expect(raw).toEqual([true, false])
  })
  it('reads a key', async () => {
    const { PassThrough } = await import('node:stream')
    const { keyPrompt } = await import('../../src/faces/interactive.js')
    const stdin = Object.assign(new PassThrough(), { setRawMode: () => {} }) as unknown as NodeJS.ReadStream
    const ask = keyPrompt(stdin, () => {})({ id: 'x' } as never, 0)
    stdin.write('x')
    stdin.write('s')
    expect(await ask).toBe('skip')
  })
})
