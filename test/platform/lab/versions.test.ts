import { describe, expect, it, vi } from 'vitest'
import { LabError } from '../../../src/core/errors.js'
import {
  DEFAULT_LAB_VERSION,
  SUPPORTED_LAB_VERSIONS,
  checkLabVersion,
  goQueryError,
  resolveLabVersion,
  stagingVersion,
} from '../../../src/platform/lab/versions.js'

const served = (versions: string[]) =>
  vi.fn(async (v: string) => {
    if (!versions.includes(v))
      throw new Error(
        `the Go module proxy does not serve k8s.io/kubernetes@${v} (k8s.io/kubernetes@${v}: reading https://proxy.golang.org/k8s.io/kubernetes/@v/${v}.info: 404 Not Found)`,
      )
  })

describe('resolveLabVersion', () => {
  it('supports the article, a 1.33 and the newest 1.37, the default first', () => {
    expect(SUPPORTED_LAB_VERSIONS).toEqual(['v1.37.2', 'v1.33.13', 'v1.28.3'])
    expect(DEFAULT_LAB_VERSION).toBe('v1.37.2')
  })

  it.each([
    ['latest', 'v1.37.2'],
    ['article', 'v1.28.3'],
    ['Latest', 'v1.37.2'],
    [' v1.33.13 ', 'v1.33.13'],
    ['v1.28.3', 'v1.28.3'],
  ])('%j is %s, without asking the proxy', async (spec, version) => {
    const proxy = served([])
    expect(await resolveLabVersion(spec, { proxyServes: proxy })).toBe(version)
    expect(proxy).not.toHaveBeenCalled()
  })

  it('asks the proxy about a well-formed release it does not list', async () => {
    const proxy = served(['v1.34.2'])
    expect(await resolveLabVersion('v1.34.2', { proxyServes: proxy })).toBe('v1.34.2')
    expect(proxy).toHaveBeenCalledWith('v1.34.2', undefined)
  })

  it('refuses, in one line, a release the proxy does not serve', async () => {
    const error = (await resolveLabVersion('v1.99.0', { proxyServes: served([]) }).catch((e: unknown) => e)) as LabError
    expect(error).toBeInstanceOf(LabError)
    expect(error.logFile).toBeUndefined()
    expect(error.message).toBe(
      'Kubernetes v1.99.0 cannot be built: the Go module proxy does not serve k8s.io/kubernetes@v1.99.0 (k8s.io/kubernetes@v1.99.0: reading https://proxy.golang.org/k8s.io/kubernetes/@v/v1.99.0.info: 404 Not Found); the supported versions are v1.37.2, v1.33.13, v1.28.3.',
    )
  })

  it.each([
    [
      '1.33.13',
      'Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "1.33.13"; did you mean v1.33.13?',
    ],
    ['v1.33', 'Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "v1.33".'],
    ['newest', 'Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "newest".'],
    ['v2.0.0', 'Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "v2.0.0".'],
    [
      'v1.34.0-rc.1',
      'Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "v1.34.0-rc.1".',
    ],
    [
      'v1.33.13; rm -rf /',
      'Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "v1.33.13; rm -rf /".',
    ],
    ['', 'Kubernetes version must be v1.MINOR.PATCH (e.g. v1.37.2) or an alias (latest = v1.37.2, article = v1.28.3); got "".'],
  ])('refuses %j before asking the proxy', async (spec, message) => {
    const proxy = served(['v1.33.13'])
    const error = (await resolveLabVersion(spec, { proxyServes: proxy }).catch((e: unknown) => e)) as LabError
    expect(error).toBeInstanceOf(LabError)
    expect(error.message).toBe(message)
    expect(error.message).not.toContain('\n')
    expect(error.logFile).toBeUndefined()
    expect(proxy).not.toHaveBeenCalled()
  })

  it.each([
    [
      'go: k8s.io/kubernetes@v1.99.0: reading https://proxy.golang.org/k8s.io/kubernetes/@v/v1.99.0.info: 403 Forbidden\n\tserver response: This module version is not available.\n',
      'k8s.io/kubernetes@v1.99.0: reading https://proxy.golang.org/k8s.io/kubernetes/@v/v1.99.0.info: 403 Forbidden: This module version is not available.',
    ],
    [
      'go: k8s.io/kubernetes@v1.99.0: reading https://proxy.golang.org/k8s.io/kubernetes/@v/v1.99.0.info: 404 Not Found\n',
      'k8s.io/kubernetes@v1.99.0: reading https://proxy.golang.org/k8s.io/kubernetes/@v/v1.99.0.info: 404 Not Found',
    ],
    ['', 'go printed nothing'],
  ])('goQueryError picks the reason out of %j', (stderr, reason) => {
    expect(goQueryError(stderr)).toBe(reason)
  })
})

describe('checkLabVersion and stagingVersion', () => {
  it.each([
    ['v1.33.13', 'v0.33.13'],
    ['v1.28.3', 'v0.28.3'],
  ])('stagingVersion(%s) is %s', (version, staged) => {
    expect(stagingVersion(version)).toBe(staged)
  })

  it.each([['1.33.13'], ['v1.33'], ['latest'], ['v2.0.0'], ['../v1.33.13']])('rejects %j', (version) => {
    expect(() => checkLabVersion(version)).toThrow(/must be v1\.MINOR\.PATCH/)
  })
})
