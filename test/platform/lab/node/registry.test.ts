import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { KNOWN_REGISTRY_HOSTS } from '../../../../src/platform/lab/node/mirror.js'
import {
  PUSH_NAMESPACE,
  REGISTRY_ENV,
  listedNames,
  namesLookedUp,
  pushTarballs,
  registryConfig,
  writeRegistryHosts,
  type CtrIn,
} from '../../../../src/platform/lab/node/registry.js'
import { testDir } from '../../../temp-dir.js'

describe('the registry config', () => {
  it('serves on loopback only, from the lab folder, with no upstream', () => {
    const c = parse(registryConfig({ dataDir: '/lab/node/registry/data', port: 5001 })) as Record<string, Record<string, unknown>>
    expect(c.http).toEqual({ addr: '127.0.0.1:5001', relativeurls: true })
    expect(c.storage!.filesystem).toEqual({ rootdirectory: '/lab/node/registry/data' })
    expect(c.proxy).toBeUndefined()
    expect(c.notifications).toBeUndefined()
    expect(JSON.stringify(c)).not.toMatch(/https?:\/\//)
  })
  it('is a proxy of one remote when asked (--pull-through)', () => {
    const c = parse(registryConfig({ dataDir: '/d', port: 5002, remoteUrl: 'https://registry-1.docker.io' })) as Record<string, unknown>
    expect(c.proxy).toEqual({ remoteurl: 'https://registry-1.docker.io', ttl: '0s' })
  })
  it('turns OpenTelemetry export off and makes Go log every name lookup', () => {
    expect(REGISTRY_ENV).toMatchObject({ OTEL_TRACES_EXPORTER: 'none', GODEBUG: 'netdns=go+2' })
  })
})

describe('namesLookedUp', () => {
  it('reads the names Go looked up from a log (GODEBUG=netdns=go+2), once each', () => {
    const log = [
      'go package net: confVal.netCgo = false  netGo = true',
      'go package net: using Go DNS resolver',
      'go package net: hostLookupOrder(registry-1.docker.io) = files,dns',
      'time="…" level=info msg="response completed" http.request.uri=/v2/',
      'go package net: hostLookupOrder(registry-1.docker.io) = files,dns',
      'go package net: hostLookupOrder(localhost) = files,dns',
    ].join('\n')
    expect(namesLookedUp(log)).toEqual(['registry-1.docker.io', 'localhost'])
    expect(namesLookedUp('go package net: confVal.netCgo = false  netGo = true\n')).toEqual([])
  })
})

describe('writeRegistryHosts', () => {
  it('writes a hosts.toml for every known host, each cached image host, and _default, all on loopback', async () => {
    const dir = await testDir('kubewalk-certs-d-')
    await writeRegistryHosts(dir, 5001, ['example.com:5000', 'docker.io'])
    const folders = (await readdir(dir)).sort()
    expect(folders).toEqual([...KNOWN_REGISTRY_HOSTS, 'example.com:5000', '_default'].sort())
    for (const f of folders) {
      const toml = await readFile(path.join(dir, f, 'hosts.toml'), 'utf8')
      expect([...toml.matchAll(/https?:\/\/([^/']+)/g)].map((m) => m[1])).toEqual(['127.0.0.1:5001'])
    }
    expect(await readFile(path.join(dir, 'example.com:5000', 'hosts.toml'), 'utf8')).toContain("server = 'http://127.0.0.1:5001/v2/example.com_5000'")
  })
})

describe('pushTarballs', () => {
  it('imports into its own namespace, then tags and pushes each name under its host namespace', async () => {
    const calls: string[] = []
    const ctr: CtrIn = async (ns, args) => {
      calls.push(`${ns} ${args.join(' ')}`)
      if (args[1] === 'ls')
        return {
          ok: true,
          out: '',
          stdout: [
            'docker.io/library/nginx:latest',
            'registry.k8s.io/nginx:1.0',
            `sha256:${'c'.repeat(64)}`,
            '127.0.0.1:5001/docker.io/library/nginx:latest',
          ].join('\n'),
        }
      return { ok: true, out: '', stdout: '' }
    }
    expect(await pushTarballs(ctr, ['/cache/a.tar', '/cache/b.tar'], 5001)).toEqual(['docker.io/library/nginx:latest', 'registry.k8s.io/nginx:1.0'])
    expect(calls).toEqual([
      `${PUSH_NAMESPACE} images import --platform linux/amd64 /cache/a.tar`,
      `${PUSH_NAMESPACE} images import --platform linux/amd64 /cache/b.tar`,
      `${PUSH_NAMESPACE} images ls -q`,
      `${PUSH_NAMESPACE} images tag --force docker.io/library/nginx:latest 127.0.0.1:5001/docker.io/library/nginx:latest`,
      `${PUSH_NAMESPACE} images push --plain-http --platform linux/amd64 127.0.0.1:5001/docker.io/library/nginx:latest`,
      `${PUSH_NAMESPACE} images tag --force registry.k8s.io/nginx:1.0 127.0.0.1:5001/registry.k8s.io/nginx:1.0`,
      `${PUSH_NAMESPACE} images push --plain-http --platform linux/amd64 127.0.0.1:5001/registry.k8s.io/nginx:1.0`,
    ])
  })
  it('says which import failed, in ctr words', async () => {
    const ctr: CtrIn = async () => ({ ok: false, out: 'ctr: unrecognized image format', stdout: '' })
    await expect(pushTarballs(ctr, ['/cache/x.tar'], 5001)).rejects.toThrow('ctr images import /cache/x.tar failed: ctr: unrecognized image format')
  })
  it('lists names without the sha256 refs', () => {
    expect(listedNames(`a:1\n\nsha256:${'d'.repeat(64)}\n b:2 \n`)).toEqual(['a:1', 'b:2'])
    // containerd 2.2+ warns on stderr; a line of it that reached the listing is no name.
    expect(listedNames('a:1\ntime="2026-12-06T05:40:34Z" level=warning msg="DEPRECATION: cgroup v1"\n')).toEqual(['a:1'])
  })
})
