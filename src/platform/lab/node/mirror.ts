// Image names and the lab's registry: every upstream registry's images live in the one local registry under a
// namespace named after the upstream host (docker.io/library/nginx:latest is 127.0.0.1:PORT/docker.io/library/nginx:latest),
// and containerd's hosts.toml for each host points there. containerd's `_default` mirror is not told which registry a
// pull is for, so names from different registries stay apart only through one hosts.toml per host.
import { LabError } from '../../../core/errors.js'

/** An image reference split as containerd reads it: docker.io/library/nginx:latest. */
export interface ImageRef {
  host: string
  /** The repository path below the host: library/nginx. */
  repository: string
  tag?: string
  digest?: string
}

/** Registries a hosts.toml is written for even when no cached image names them, so their pulls stay on loopback. */
export const KNOWN_REGISTRY_HOSTS = [
  'docker.io',
  'registry.k8s.io',
  'k8s.gcr.io',
  'gcr.io',
  'ghcr.io',
  'quay.io',
  'mcr.microsoft.com',
  'public.ecr.aws',
] as const

/**
 * Where `--pull-through` sends each upstream host: Distribution's proxy mode takes one remote per instance, so the lab
 * runs one proxy instance per host here. Hosts not listed stay offline even then. Never tested against these URLs (the
 * development machine has no internet); the chain local registry → proxy → upstream was tried with a loopback upstream.
 */
export const PULL_THROUGH_UPSTREAMS: Readonly<Record<string, string>> = {
  'docker.io': 'https://registry-1.docker.io',
  'registry.k8s.io': 'https://registry.k8s.io',
  'gcr.io': 'https://gcr.io',
  'ghcr.io': 'https://ghcr.io',
  'quay.io': 'https://quay.io',
  'mcr.microsoft.com': 'https://mcr.microsoft.com',
  'public.ecr.aws': 'https://public.ecr.aws',
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-f]{32,}$/

/** Parses a reference as docker and containerd do: `nginx` is docker.io/library/nginx:latest. */
export function parseImageRef(ref: string): ImageRef {
  const bad = (why: string): LabError => new LabError(`${JSON.stringify(ref)} is not an image reference: ${why}.`)
  let rest = ref.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) throw bad(`the digest ${digest} is not algorithm:hex`)
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw bad(`the tag ${tag} has characters a tag cannot have`)
  }
  const parts = rest.split('/')
  const first = parts[0] ?? ''
  // The first component is a host when it has a dot or a port, or is localhost (docker's rule).
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const host = hasHost ? first : 'docker.io'
  const path = hasHost ? parts.slice(1) : parts
  if (host === 'docker.io' && path.length === 1) path.unshift('library')
  if (path.length === 0 || !path.every((c) => COMPONENT.test(c))) throw bad('a repository is lower-case letters, digits and separators')
  if (tag === undefined && digest === undefined) tag = 'latest'
  return { host: host === 'index.docker.io' ? 'docker.io' : host, repository: path.join('/'), ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) }
}

function suffix(r: ImageRef): string {
  return `${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`
}

/** The full name containerd gives a reference: docker.io/library/nginx:latest. */
export function canonicalImageName(ref: string): string {
  const r = parseImageRef(ref)
  return `${r.host}/${r.repository}${suffix(r)}`
}

/** The local registry's repository for a host, as a path component: `registry.k8s.io`, or `localhost_5000` for a port. */
export function hostNamespace(host: string): string {
  return host.replace(/:/g, '_')
}

/** The name an image is pushed under into the lab's registry on `port`: 127.0.0.1:PORT/docker.io/library/nginx:latest. */
export function mirroredName(ref: string, port: number): string {
  const r = parseImageRef(ref)
  return `127.0.0.1:${port}/${hostNamespace(r.host)}/${r.repository}${suffix(r)}`
}

/** A repository of the lab's registry (`docker.io/library/nginx`) with one of its tags, as the upstream name. */
export function upstreamName(repository: string, tag: string): string {
  return `${repository.replace(/^([^/]+)_(\d+)\//, '$1:$2/')}:${tag}`
}

function tomlString(s: string): string {
  if (/['\n]/.test(s)) throw new LabError(`Cannot put ${JSON.stringify(s)} in a TOML literal string.`)
  return `'${s}'`
}

/**
 * containerd's hosts.toml for registry `host`: its `server` is the lab's registry on loopback under the host's own
 * namespace, with `override_path` (containerd adds no `/v2` and joins `/<server path>/<repository>/manifests/<ref>`), so
 * containerd never falls back to the real host. With `proxyPort` (--pull-through), the local registry is tried first
 * and the host's pull-through proxy, which alone may go upstream, second.
 */
export function hostsToml(host: string, registryPort: number, proxyPort?: number): string {
  const local = `http://127.0.0.1:${registryPort}/v2/${hostNamespace(host)}`
  if (proxyPort === undefined)
    return `# kubewalk: ${host}'s images come from the lab's registry on loopback; nothing is fetched from ${host}.
# Add images with: kubewalk lab image import FILE.tar
server = ${tomlString(local)}
override_path = true
capabilities = ['pull', 'resolve']
`
  return `# kubewalk --pull-through: the lab's registry first, then its pull-through proxy for ${host}.
server = ${tomlString(`http://127.0.0.1:${proxyPort}/v2`)}
override_path = true
capabilities = ['pull', 'resolve']

[host.${tomlString(local)}]
  override_path = true
  capabilities = ['pull', 'resolve']
`
}

/**
 * The `_default` hosts.toml, for a registry host with no folder of its own: the lab's registry under a namespace no
 * image is pushed to, so the pull fails on loopback with "not found" (the registry's log shows what was asked).
 */
export function defaultHostsToml(registryPort: number): string {
  return `# kubewalk: a registry with no hosts.toml of its own; its images were not imported (kubewalk lab image import FILE.tar).
server = 'http://127.0.0.1:${registryPort}/v2/unknown-registry'
override_path = true
capabilities = ['pull', 'resolve']
`
}

/** The folder name of a host below containerd's config_path (containerd's own rule: the host as it is). */
export function hostsDirName(host: string): string {
  if (!/^[A-Za-z0-9.-]+(?::\d+)?$/.test(host)) throw new LabError(`${JSON.stringify(host)} is not a registry host.`)
  return host
}
