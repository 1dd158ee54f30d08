import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateLabCerts, type LabCerts } from '../../../src/platform/lab/certs.js'

let root: string
let certs: LabCerts

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kubewalk-certs-'))
  certs = await generateLabCerts(path.join(root, 'pki'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

const x509 = async (cert: string, ...args: string[]) => (await execa('openssl', ['x509', '-in', cert, '-noout', ...args])).stdout

describe('generateLabCerts', () => {
  it('signs every leaf with the CA', async () => {
    const leaves = [certs.apiserverCert, certs.adminCert, certs.controllerManagerCert, certs.controllerManagerServingCert]
    const { stdout } = await execa('openssl', ['verify', '-CAfile', certs.caCert, ...leaves])
    expect(stdout.split('\n')).toEqual(leaves.map((leaf) => `${leaf}: OK`))
  })

  it('gives kube-apiserver the loopback and in-cluster names', async () => {
    const text = await x509(certs.apiserverCert, '-ext', 'subjectAltName,extendedKeyUsage')
    for (const name of [
      'IP Address:127.0.0.1',
      'DNS:localhost',
      'DNS:kubernetes.default.svc',
      'IP Address:10.0.0.1',
      'TLS Web Server Authentication',
    ]) {
      expect(text).toContain(name)
    }
  })

  it.each([
    ['adminCert', 'subject=O = system:masters, CN = kubewalk-admin'],
    ['controllerManagerCert', 'subject=O = system:masters, CN = system:kube-controller-manager'],
  ] as const)('%s is a client certificate with %s', async (key, subject) => {
    expect(await x509(certs[key], '-subject')).toBe(subject)
    expect(await x509(certs[key], '-ext', 'extendedKeyUsage')).toContain('TLS Web Client Authentication')
  })

  it('makes an RSA service-account key pair and keeps private keys private', async () => {
    const { stdout } = await execa('openssl', ['pkey', '-pubin', '-in', certs.serviceAccountPub, '-noout', '-text'])
    expect(stdout).toMatch(/Public-Key: \(2048 bit\)/)
    for (const key of [certs.caKey, certs.adminKey, certs.serviceAccountKey]) {
      expect((await stat(key)).mode & 0o077).toBe(0)
    }
  })
})
