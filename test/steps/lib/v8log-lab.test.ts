// -v=8 logs recorded from each kubectl format against the real lab (see test/fixtures/v8/README.md).
import { describe, expect, it } from 'vitest'
import { parseTokenRequestLog } from '../../../steps/lib/v8log.js'
import { tokenDuration } from '../../../steps/06-token-duration.js'
import { ctx, fixture, output } from '../../helpers.js'

const TOKEN_PATH = /\/api\/v1\/namespaces\/default\/serviceaccounts\/default\/token$/

describe.each([
  // file, format, client, body encoding, expirationSeconds readable at this verbosity
  ['v8/kubectl-1.28.stderr.txt', 'printf', 'v1.28.15', 'json', 3600],
  ['v8/kubectl-1.31.stderr.txt', 'printf', 'v1.31.9', 'json', 3600],
  ['v8/kubectl-1.32.stderr.txt', 'structured-body', 'v1.32.5', 'protobuf', undefined],
  ['v8/kubectl-1.33.stderr.txt', 'structured', 'v1.33.1', 'protobuf', undefined],
  ['v9/kubectl-1.33.stderr.txt', 'structured', 'v1.33.1', 'protobuf', 3600],
] as const)('%s', (file, format, client, encoding, expirationSeconds) => {
  const log = parseTokenRequestLog('token-duration', fixture(file))
  it(`is the ${format} format of kubectl ${client}`, () => {
    expect(log.format).toBe(format)
    expect(log.userAgent).toContain(client)
  })
  it('shows a POST to the token subresource answered 201 Created', () => {
    expect(log.method).toBe('POST')
    expect(log.url).toMatch(TOKEN_PATH)
    expect(log.status).toBe('201 Created')
    expect(log.statusCode).toBe(201)
  })
  it(`logs a ${encoding} body ${expirationSeconds ? 'holding' : 'cut before'} spec.expirationSeconds`, () => {
    expect(log.body.encoding).toBe(encoding)
    expect(log.expirationSeconds).toBe(expirationSeconds)
    if (expirationSeconds === undefined) expect(log.body.truncated).toBe(true)
  })
})

describe('token-duration on a protobuf body that kubectl cut (1.32+ at -v=8)', () => {
  it('falls back to the printed token and says so in the check name', () => {
    // exp - iat = 3600 in the article's token; its -v=8 body is replaced by 1.33's cut protobuf.
    const stdout = fixture('article/06-token-duration.stdout.txt')
    const c = ctx()
    const checks = tokenDuration.check(tokenDuration.parse(output({ stdout, stderr: fixture('v8/kubectl-1.33.stderr.txt') }), c), c)
    expect(checks.every((a) => a.ok)).toBe(true)
    expect(checks.map((a) => a.name)).toContain('lifetime (kubectl cut the logged body before expirationSeconds; read from the printed token)')
  })
})
