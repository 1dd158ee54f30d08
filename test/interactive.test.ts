import { describe, expect, it } from 'vitest'
import { choiceOf } from '../src/interactive.js'

describe('choiceOf', () => {
  it.each([
    ['\r', 'run'], ['\n', 'run'], [' ', 'run'], ['s', 'skip'], ['S', 'skip'], ['q', 'quit'], ['\u0003', 'quit'], ['\u0004', 'quit'], ['x', undefined], ['\u001b[A', undefined],
  ])('%j → %s', (key, choice) => expect(choiceOf(key)).toBe(choice))
})
