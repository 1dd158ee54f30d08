// Which Kubernetes releases the lab builds: the supported list, the aliases, and a proxy check for the rest.
import { tmpdir } from 'node:os'
import { LabError } from '../../core/errors.js'

/** The release the article ran on (alias `article`). */
export const ARTICLE_LAB_VERSION = 'v1.28.3'
/** The newest v1.37 patch the Go module proxy serves: what a new minikube or kind runs (alias `latest`). */
export const DEFAULT_LAB_VERSION = 'v1.37.2'
/** Releases the lab is tested with, the default first. */
export const SUPPORTED_LAB_VERSIONS: readonly string[] = [DEFAULT_LAB_VERSION, 'v1.33.13', ARTICLE_LAB_VERSION]
/**
 * Releases whose kubectl alone is built (`lab build --kubectl-only`), beside the supported labs' own, for the tests:
 * kubectl 1.32 logs structured bodies with printf request lines at -v=8, a format no supported lab's kubectl prints.
 * The newest v1.32 patch the Go module proxy serves.
 */
export const EXTRA_KUBECTL_VERSIONS: readonly string[] = ['v1.32.13']
/** Names accepted in place of a version. */
export const LAB_VERSION_ALIASES: Readonly<Record<string, string>> = { latest: DEFAULT_LAB_VERSION, article: ARTICLE_LAB_VERSION }

const RELEASE = /^v1\.\d{1,3}\.\d{1,4}$/
const FORM = `v1.MINOR.PATCH (e.g. ${DEFAULT_LAB_VERSION}) or an alias (${Object.entries(LAB_VERSION_ALIASES)
  .map(([a, v]) => `${a} = ${v}`)
  .join(', ')})`

/** The version if it is a well-formed release tag `v1.MINOR.PATCH`; otherwise a one-line LabError (no log file). */
export function checkLabVersion(version: string): string {
  if (RELEASE.test(version)) return version
  const bare = /^1\.\d+\.\d+$/.test(version) ? `; did you mean v${version}?` : '.'
  throw new LabError(`Kubernetes version must be ${FORM}; got ${JSON.stringify(version)}${bare}`)
}

/** Options of resolveLabVersion: tests replace the proxy lookup. */
export interface ResolveLabVersionOptions {
  /** Resolves when the Go module proxy serves k8s.io/kubernetes@version; rejects with go's reason otherwise. */
  proxyServes?: (version: string, signal?: AbortSignal) => Promise<void>
  signal?: AbortSignal
}

/**
 * Maps an alias or a release tag to a release tag the lab can build. A well-formed tag outside
 * SUPPORTED_LAB_VERSIONS is allowed when the Go module proxy serves it (asked with `go list -m`, well before any build).
 * Throws a one-line LabError without a log file (a usage error) otherwise.
 */
export async function resolveLabVersion(spec: string, opts: ResolveLabVersionOptions = {}): Promise<string> {
  const trimmed = spec.trim()
  const version = checkLabVersion(LAB_VERSION_ALIASES[trimmed.toLowerCase()] ?? trimmed)
  if (SUPPORTED_LAB_VERSIONS.includes(version)) return version
  try {
    await (opts.proxyServes ?? proxyServesKubernetes)(version, opts.signal)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new LabError(`Kubernetes ${version} cannot be built: ${why}; the supported versions are ${SUPPORTED_LAB_VERSIONS.join(', ')}.`, {
      cause: error,
    })
  }
  return version
}

/** go's complaint about a module it cannot find, on one line ("k8s.io/kubernetes@v1.99.0: reading …: 404 Not Found"). */
export function goQueryError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
  if (lines.length === 0) return 'go printed nothing'
  const response = lines.find((l) => l.startsWith('server response:'))
  const first = lines[0]!.replace(/^go: /, '')
  return response && response !== lines[0] ? `${first}: ${response.replace(/^server response:\s*/, '')}` : first
}

async function proxyServesKubernetes(version: string, signal?: AbortSignal): Promise<void> {
  // execa on demand: the CLI imports this module for its constants, and a plain run never asks the proxy.
  const { execa } = await import('execa')
  // Outside any module (tmpdir), with the machine's own Go: this fetches only the .info and .mod files.
  const result = await execa('go', ['list', '-m', '-json', `k8s.io/kubernetes@${version}`], {
    cwd: tmpdir(),
    env: { GOWORK: 'off', GOTOOLCHAIN: 'local' },
    stdin: 'ignore',
    reject: false,
    timeout: 60_000,
    ...(signal ? { cancelSignal: signal } : {}),
  })
  if ((result as { code?: string }).code === 'ENOENT') throw new Error('go was not found on PATH (the lab is built with Go 1.24 or newer)')
  if (result.failed) throw new Error(`the Go module proxy does not serve k8s.io/kubernetes@${version} (${goQueryError(String(result.stderr ?? ''))})`)
}

/** k8s.io/kubernetes v1.X.Y publishes its staging modules (k8s.io/api, …) as v0.X.Y. */
export function stagingVersion(version: string): string {
  return checkLabVersion(version).replace(/^v1\./, 'v0.')
}
