import { describe, expect, it } from 'vitest'
import { parseApiAnswer } from '../../../src/core/parse/json.js'
import { fixture } from '../../helpers.js'

describe('parseApiAnswer', () => {
  it.each([
    ['article/05-call-api.stdout.txt', 'APIVersions'],
    ['article/12-call-api-secret-token.stdout.txt', 'APIVersions'],
    ['article/14-call-api-revoked.stdout.txt', 'Status'],
  ])('reads %s', (file, kind) => {
    expect(parseApiAnswer('call-api', fixture(file)).kind).toBe(kind)
  })
  it('reads the 401 Status fields', () => {
    expect(parseApiAnswer('call-api-revoked', fixture('article/14-call-api-revoked.stdout.txt'))).toMatchObject({ code: 401, reason: 'Unauthorized' })
  })
  it.each([
    ['', /call-api: the server answered with an empty body/],
    ['<html>502 Bad Gateway</html>', /call-api: expected a JSON object from the API server, got "<html>502/],
    ['[1,2]', /expected a JSON object/],
    ['{"versions":[]}', /no "kind"/],
  ])('rejects %j', (input, message) => {
    expect(() => parseApiAnswer('call-api', input)).toThrow(message)
  })
})
