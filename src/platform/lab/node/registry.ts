// The node's registry: the CNCF Distribution registry on loopback, its config, the cached images pushed into it
// (through containerd, in a namespace of its own so the kubelet's pulls still go through the registry), and what it holds.
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { stringify } from 'yaml'
import { LabError, errorMessage } from '../../../core/errors.js'
import { KNOWN_REGISTRY_HOSTS, canonicalImageName, defaultHostsToml, hostsDirName, hostsToml, mirroredName, upstreamName } from './mirror.js'

/** containerd namespace the cached tarballs are imported into before they are pushed: not k8s.io, which the kubelet reads. */
export const PUSH_NAMESPACE = 'kubewalk-push'

/**
 * Environment of the registry and of containerd: no OpenTelemetry exporter (Distribution's default, OTLP, would post to
 * localhost:4318), and Go's resolver logging every name it looks up (GODEBUG netdns=go+2 prints `hostLookupOrder(NAME)`),
 * so a log shows whether any name was resolved.
 */
export const REGISTRY_ENV: Readonly<Record<string, string>> = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', GODEBUG: 'netdns=go+2' }

/** What Go's resolver prints, under GODEBUG=netdns=go+2, for each name it is asked to look up. */
export const NAME_LOOKUP_LOG = /go package net: hostLookupOrder\(([^)]*)\)/g

/** The names looked up according to a Go program's log (see REGISTRY_ENV). */
export function namesLookedUp(log: string): string[] {
  return [...new Set([...log.matchAll(NAME_LOOKUP_LOG)].map((m) => m[1]!))]
}

/**
 * Distribution's config.yml: storage in `dataDir`, HTTP on 127.0.0.1:`port` only, an access log line per request
 * (on stderr, into the component's log), no debug server, no notifications. With `remoteUrl` it is a pull-through
 * proxy of that one registry (Distribution takes no pushes in that mode).
 */
export function registryConfig(o: { dataDir: string; port: number; remoteUrl?: string }): string {
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: o.dataDir },
      delete: { enabled: true },
      redirect: { disable: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `127.0.0.1:${o.port}`, relativeurls: true },
    health: { storagedriver: { enabled: false } },
    // An index whose other platforms were not imported is still accepted: the node runs linux/amd64 only.
    validation: { manifests: { indexes: { platforms: 'list', platformlist: [{ architecture: 'amd64', os: 'linux' }] } } },
  }
  // No TTL: what the proxy fetched stays for the lab's life (the lab's folder goes with it).
  if (o.remoteUrl !== undefined) config.proxy = { remoteurl: o.remoteUrl, ttl: '0s' }
  return stringify(config)
}

/** Whether the registry on `port` answers its API root: true, or why not. */
export async function registryAnswers(port: number): Promise<true | string> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(2000) })
    return r.status === 200 ? true : `GET /v2/ answered ${r.status}`
  } catch (e) {
    return `no answer on 127.0.0.1:${port} (${errorMessage(e)})`
  }
}

/**
 * Writes containerd's hosts.toml for every known registry host and for each of `hosts`, and `_default`, all to the
 * registry on `port`; `proxies` maps a host to its pull-through proxy's port.
 */
export async function writeRegistryHosts(
  configDir: string,
  port: number,
  hosts: Iterable<string> = [],
  proxies: Record<string, number> = {},
): Promise<void> {
  const all = new Set<string>([...KNOWN_REGISTRY_HOSTS, ...hosts])
  for (const host of all) {
    const dir = path.join(configDir, hostsDirName(host))
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'hosts.toml'), hostsToml(host, port, proxies[host]))
  }
  await mkdir(path.join(configDir, '_default'), { recursive: true })
  await writeFile(path.join(configDir, '_default', 'hosts.toml'), defaultHostsToml(port))
}

/** Runs ctr against the node's containerd in one namespace. */
export type CtrIn = (namespace: string, args: string[]) => Promise<{ ok: boolean; out: string; stdout: string }>

/** `ctr images ls -q`: one name per line; the `sha256:` refs containerd adds are left out. */
export function listedNames(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/\s/.test(l) && !l.startsWith('sha256:'))
}

/**
 * Pushes the images of `tarballs` into the registry on `port`: each is imported into PUSH_NAMESPACE, tagged with its
 * mirrored name (127.0.0.1:PORT/<host>/<repository>:<tag>) and pushed over plain HTTP. Returns the upstream names served.
 */
export async function pushTarballs(ctr: CtrIn, tarballs: readonly string[], port: number): Promise<string[]> {
  for (const t of tarballs) {
    const r = await ctr(PUSH_NAMESPACE, ['images', 'import', '--platform', 'linux/amd64', t])
    if (!r.ok) throw new LabError(`ctr images import ${t} failed: ${r.out.split('\n').slice(-2).join(' ')}`)
  }
  const listed = await ctr(PUSH_NAMESPACE, ['images', 'ls', '-q'])
  if (!listed.ok) throw new LabError(`ctr images ls failed: ${listed.out.split('\n').slice(-2).join(' ')}`)
  const served: string[] = []
  for (const name of listedNames(listed.stdout)) {
    if (name.startsWith('127.0.0.1:')) continue
    let target: string
    try {
      target = mirroredName(name, port)
    } catch {
      continue
    }
    for (const args of [
      ['images', 'tag', '--force', name, target],
      ['images', 'push', '--plain-http', '--platform', 'linux/amd64', target],
    ]) {
      const r = await ctr(PUSH_NAMESPACE, args)
      if (!r.ok) throw new LabError(`ctr ${args.slice(0, 2).join(' ')} ${target} failed: ${r.out.split('\n').slice(-2).join(' ')}`)
    }
    served.push(canonicalImageName(name))
  }
  return served
}

async function getJson(url: string): Promise<unknown> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) })
  if (r.status !== 200) throw new LabError(`GET ${url} answered ${r.status}.`)
  return (await r.json()) as unknown
}

/** What the registry on `port` holds, as upstream names (docker.io/library/nginx:latest), sorted. */
export async function registryImages(port: number): Promise<string[]> {
  const base = `http://127.0.0.1:${port}/v2`
  const catalog = (await getJson(`${base}/_catalog?n=1000`)) as { repositories?: string[] }
  const names: string[] = []
  for (const repo of catalog.repositories ?? []) {
    const tags = (await getJson(`${base}/${repo}/tags/list`)) as { tags?: string[] | null }
    for (const tag of tags.tags ?? []) names.push(upstreamName(repo, tag))
  }
  return names.sort()
}
