import { describe, expect, it } from 'vitest'
import {
  KNOWN_REGISTRY_HOSTS,
  PULL_THROUGH_UPSTREAMS,
  canonicalImageName,
  defaultHostsToml,
  hostsDirName,
  hostsToml,
  mirroredName,
  parseImageRef,
  upstreamName,
} from '../../../../src/platform/lab/node/mirror.js'

describe('image references', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27.3', 'docker.io/library/nginx:1.27.3'],
    ['bitnami/kubectl', 'docker.io/bitnami/kubectl:latest'],
    ['docker.io/library/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/library/busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['registry.k8s.io/nginx', 'registry.k8s.io/nginx:latest'],
    ['registry.k8s.io/e2e-test-images/agnhost:2.39', 'registry.k8s.io/e2e-test-images/agnhost:2.39'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1'],
    ['localhost/app', 'localhost/app:latest'],
    [`nginx@sha256:${'a'.repeat(64)}`, `docker.io/library/nginx@sha256:${'a'.repeat(64)}`],
    [`quay.io/x/y:1@sha256:${'b'.repeat(64)}`, `quay.io/x/y:1@sha256:${'b'.repeat(64)}`],
  ])('%s is %s', (ref, canonical) => {
    expect(canonicalImageName(ref)).toBe(canonical)
  })

  it.each(['Nginx', 'nginx:', 'nginx@sha256:zz', '', 'a//b'])('refuses %j', (ref) => {
    expect(() => parseImageRef(ref)).toThrow(/not an image reference/)
  })

  it('keeps names of different registries apart in the local registry: one namespace per upstream host', () => {
    expect(mirroredName('nginx', 5001)).toBe('127.0.0.1:5001/docker.io/library/nginx:latest')
    expect(mirroredName('registry.k8s.io/nginx', 5001)).toBe('127.0.0.1:5001/registry.k8s.io/nginx:latest')
    expect(mirroredName('localhost:5000/app:v1', 5001)).toBe('127.0.0.1:5001/localhost_5000/app:v1')
  })

  it.each([
    ['docker.io/library/nginx', 'latest', 'docker.io/library/nginx:latest'],
    ['registry.k8s.io/pause', '3.10', 'registry.k8s.io/pause:3.10'],
    ['localhost_5000/app', 'v1', 'localhost:5000/app:v1'],
  ])('repository %s tag %s of the local registry is %s upstream', (repo, tag, name) => {
    expect(upstreamName(repo, tag)).toBe(name)
    expect(mirroredName(name, 1)).toBe(`127.0.0.1:1/${repo}:${tag}`)
  })
})

describe("containerd's hosts.toml", () => {
  // containerd joins "/" + the server's path + the repository + "manifests/<ref>" (core/remotes/docker/resolver.go);
  // with override_path it adds no /v2 of its own (config/hosts.go parseHostConfig).
  const serverOf = (toml: string): string => /^server = '([^']+)'$/m.exec(toml)![1]!

  it('sends each host to its own namespace of the loopback registry, with override_path, and nowhere else', () => {
    const toml = hostsToml('docker.io', 5001)
    expect(serverOf(toml)).toBe('http://127.0.0.1:5001/v2/docker.io')
    expect(toml).toMatch(/^override_path = true$/m)
    expect(toml).toMatch(/^capabilities = \['pull', 'resolve'\]$/m)
    expect(toml).not.toMatch(/\[host\./)
    const url = new URL(serverOf(toml))
    expect(`${url.origin}${url.pathname}/library/nginx/manifests/latest`).toBe('http://127.0.0.1:5001/v2/docker.io/library/nginx/manifests/latest')
    expect(serverOf(hostsToml('registry.k8s.io', 5001))).toBe('http://127.0.0.1:5001/v2/registry.k8s.io')
  })

  it('with --pull-through tries the local registry first, then the host proxy, both on loopback', () => {
    const toml = hostsToml('docker.io', 5001, 5002)
    expect(serverOf(toml)).toBe('http://127.0.0.1:5002/v2')
    expect(toml).toContain("[host.'http://127.0.0.1:5001/v2/docker.io']")
    expect([...toml.matchAll(/https?:\/\/([^/']+)/g)].map((m) => m[1])).toEqual(['127.0.0.1:5002', '127.0.0.1:5001'])
  })

  it('answers any other registry from a namespace nothing is pushed to', () => {
    expect(serverOf(defaultHostsToml(5001))).toBe('http://127.0.0.1:5001/v2/unknown-registry')
  })

  it('has a pull-through upstream for every known host but the deprecated k8s.gcr.io', () => {
    expect(KNOWN_REGISTRY_HOSTS.filter((h) => PULL_THROUGH_UPSTREAMS[h] === undefined)).toEqual(['k8s.gcr.io'])
    expect(PULL_THROUGH_UPSTREAMS['docker.io']).toBe('https://registry-1.docker.io')
  })

  it.each(['docker.io', 'localhost:5000'])('names the folder of %s as containerd looks it up', (host) => {
    expect(hostsDirName(host)).toBe(host)
  })
  it.each(['../etc', 'a/b', ''])('refuses %j as a folder name', (host) => {
    expect(() => hostsDirName(host)).toThrow(/not a registry host/)
  })
})
