import { randomBytes } from 'node:crypto'
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { LabError } from '../../core/errors.js'
import { LAB_CA_NAME } from './recognise.js'

/** The first address of the lab's service CIDR: the in-cluster `kubernetes` Service's ClusterIP. */
export const LAB_SERVICE_CIDR = '10.0.0.0/24'
export const LAB_KUBERNETES_SERVICE_IP = '10.0.0.1'
/** The admin user's client certificate subject: system:masters is bound to cluster-admin. */
export const LAB_ADMIN_USER = 'kubewalk-admin'

/** PEM files of the lab's PKI, all in `dir`. */
export interface LabCerts {
  dir: string
  caCert: string
  caKey: string
  apiserverCert: string
  apiserverKey: string
  adminCert: string
  adminKey: string
  controllerManagerCert: string
  controllerManagerKey: string
  /** Serving certificate of kube-controller-manager's /healthz, so it need not write a self-signed one elsewhere. */
  controllerManagerServingCert: string
  controllerManagerServingKey: string
  serviceAccountKey: string
  serviceAccountPub: string
  /** etcd's own CA, apart from the cluster CA, so no certificate kube-controller-manager signs for a CSR opens etcd. */
  etcdCaCert: string
  etcdCaKey: string
  /** etcd's serving and peer certificate (127.0.0.1, localhost). */
  etcdServerCert: string
  etcdServerKey: string
  /** kube-apiserver's client certificate for etcd. */
  apiserverEtcdClientCert: string
  apiserverEtcdClientKey: string
  /** The lab's own health probe's client certificate for etcd. */
  etcdHealthcheckClientCert: string
  etcdHealthcheckClientKey: string
}

// Our own config, so neither the system openssl.cnf nor its defaults (e.g. CA:TRUE on every req -x509) leak in.
/** The head of every openssl config the lab writes: no prompt, an empty distinguished name (each -subj gives it). */
export const OPENSSL_CONFIG_HEAD = `[req]
distinguished_name = dn
prompt = no
[dn]
`

/** An openssl section for a leaf certificate: not a CA, for `usage` (serverAuth, clientAuth), with these SANs. */
export function leafSection(name: string, usage: string, subjectAltName?: string): string {
  return `[${name}]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = ${usage}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
${subjectAltName === undefined ? '' : `subjectAltName = ${subjectAltName}\n`}`
}

const LOOPBACK = 'IP:127.0.0.1,DNS:localhost'

function opensslConfig(serviceIp: string, extraIps: readonly string[]): string {
  const apiserverNames = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'].map((n) => `DNS:${n}`)
  return `${OPENSSL_CONFIG_HEAD}[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
subjectKeyIdentifier = hash
${leafSection('server', 'serverAuth', [LOOPBACK, ...apiserverNames, `IP:${serviceIp}`, ...extraIps.map((ip) => `IP:${ip}`)].join(','))}${leafSection(
    'controller_manager_server',
    'serverAuth',
    LOOPBACK,
  )}${leafSection('etcd_server', 'serverAuth,clientAuth', LOOPBACK)}${leafSection('client', 'clientAuth')}`
}

/** Options of generateLabCerts: a node lab serves the API at another Service IP and on its own address. */
export interface LabCertOptions {
  /** The `kubernetes` Service's ClusterIP, a SAN of the API server's certificate; default LAB_KUBERNETES_SERVICE_IP. */
  serviceIp?: string
  /** More IP SANs of the API server's certificate (the address it binds on a node lab). */
  extraIps?: readonly string[]
}

// ECDSA P-256 keys take milliseconds where RSA 2048 takes ~100 ms; Go's TLS stack and kubectl accept both.
/** An EC P-256 key, unencrypted, as every lab certificate uses. */
export const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** Runs openssl; a failure is a LabError naming what was being created (`what` reads after "Creating the lab's"). */
export async function openssl(args: string[], what: string): Promise<void> {
  const result = await execa('openssl', args, { reject: false, stdin: 'ignore' })
  if (result.failed) {
    const code = (result as { code?: string }).code
    const why =
      code === 'ENOENT'
        ? 'openssl was not found on PATH; install OpenSSL'
        : `openssl exited with ${result.exitCode ?? result.signal}: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`
    throw new LabError(`Creating the lab's ${what} failed (${why}).`, { cause: result })
  }
}

/** Makes `dir` (0700) and names a certificate and its key in it for each name: `<name>Cert` is `<file>.crt`, `<name>Key` `<file>.key`. */
export async function certFolder<const K extends string>(
  dir: string,
  files: Record<K, string>,
): Promise<{ dir: string } & Record<`${K}Cert` | `${K}Key`, string>> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const out: Record<string, string> = { dir }
  for (const [name, file] of Object.entries<string>(files)) {
    out[`${name}Cert`] = path.join(dir, `${file}.crt`)
    out[`${name}Key`] = path.join(dir, `${file}.key`)
  }
  return out as { dir: string } & Record<`${K}Cert` | `${K}Key`, string>
}

/** What issueCert signs: a new EC key and CSR for `subject`, signed by `ca` with the config's `extensions` section. */
export interface LeafRequest {
  config: string
  ca: { cert: string; key: string }
  subject: string
  extensions: string
  cert: string
  key: string
  /** What it is, in an error ("Creating the lab's <what> key failed"). */
  what: string
}

/** Issues one leaf certificate and its key (0600) with the openssl CLI. */
export async function issueCert(r: LeafRequest): Promise<void> {
  const csr = `${r.cert}.csr`
  await openssl(['req', '-new', '-config', r.config, ...EC_KEY, '-keyout', r.key, '-out', csr, '-subj', r.subject], `${r.what} key`)
  // A random serial instead of -CAcreateserial: the leaves are signed in parallel and would race on ca.srl.
  const serial = `0x${randomBytes(16).toString('hex')}`
  const days = ['-days', '365', '-sha256']
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      r.ca.cert,
      '-CAkey',
      r.ca.key,
      '-set_serial',
      serial,
      ...days,
      '-extfile',
      r.config,
      '-extensions',
      r.extensions,
      '-out',
      r.cert,
    ],
    `${r.what} certificate`,
  )
  await rm(csr)
  await chmod(r.key, 0o600)
}

/** Creates the lab's CA, serving and client certificates and service-account key pair in `dir` with the openssl CLI. */
export async function generateLabCerts(dir: string, opts: LabCertOptions = {}): Promise<LabCerts> {
  const file = (name: string) => path.join(dir, name)
  const certs: LabCerts = {
    ...(await certFolder(dir, {
      ca: 'ca',
      apiserver: 'apiserver',
      admin: 'admin',
      controllerManager: 'controller-manager',
      controllerManagerServing: 'controller-manager-serving',
      etcdCa: 'etcd-ca',
      etcdServer: 'etcd-server',
      apiserverEtcdClient: 'apiserver-etcd-client',
      etcdHealthcheckClient: 'etcd-healthcheck-client',
    })),
    serviceAccountKey: file('sa.key'),
    serviceAccountPub: file('sa.pub'),
  }
  const config = file('openssl.cnf')
  await writeFile(config, opensslConfig(opts.serviceIp ?? LAB_KUBERNETES_SERVICE_IP, opts.extraIps ?? []))

  const serviceAccount = (async () => {
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', certs.serviceAccountKey], 'service-account key')
    await openssl(['pkey', '-in', certs.serviceAccountKey, '-pubout', '-out', certs.serviceAccountPub], 'service-account public key')
  })()

  const authority = (name: string, cert: string, key: string, cn: string) =>
    openssl(
      [
        'req',
        '-x509',
        '-config',
        config,
        '-extensions',
        'ca',
        ...EC_KEY,
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '3650',
        '-sha256',
        '-subj',
        `/CN=${cn}`,
      ],
      name,
    )
  await Promise.all([
    authority('certificate authority', certs.caCert, certs.caKey, LAB_CA_NAME),
    authority('etcd certificate authority', certs.etcdCaCert, certs.etcdCaKey, 'kubewalk-lab-etcd-ca'),
  ])

  const cluster = { cert: certs.caCert, key: certs.caKey }
  const etcd = { cert: certs.etcdCaCert, key: certs.etcdCaKey }
  const issue = (name: string, subject: string, extensions: string, cert: string, key: string, ca = cluster) =>
    issueCert({ config, ca, subject, extensions, cert, key, what: name })
  await Promise.all([
    issue('kube-apiserver serving', '/CN=kube-apiserver', 'server', certs.apiserverCert, certs.apiserverKey),
    issue('admin client', `/O=system:masters/CN=${LAB_ADMIN_USER}`, 'client', certs.adminCert, certs.adminKey),
    // system:masters too: with --use-service-account-credentials=false every controller acts as this user, and the
    // system:kube-controller-manager role alone lets e.g. root-ca-cert-publisher and clusterrole-aggregation fail.
    issue(
      'kube-controller-manager client',
      '/O=system:masters/CN=system:kube-controller-manager',
      'client',
      certs.controllerManagerCert,
      certs.controllerManagerKey,
    ),
    issue(
      'kube-controller-manager serving',
      '/CN=kube-controller-manager',
      'controller_manager_server',
      certs.controllerManagerServingCert,
      certs.controllerManagerServingKey,
    ),
    issue('etcd serving', '/CN=kubewalk-lab-etcd', 'etcd_server', certs.etcdServerCert, certs.etcdServerKey, etcd),
    issue(
      'kube-apiserver etcd client',
      '/CN=kube-apiserver-etcd-client',
      'client',
      certs.apiserverEtcdClientCert,
      certs.apiserverEtcdClientKey,
      etcd,
    ),
    issue(
      'etcd health-check client',
      '/CN=kubewalk-etcd-healthcheck',
      'client',
      certs.etcdHealthcheckClientCert,
      certs.etcdHealthcheckClientKey,
      etcd,
    ),
    serviceAccount,
  ])
  // The leaves' keys are 0600 already (issueCert).
  await Promise.all([certs.caKey, certs.etcdCaKey, certs.serviceAccountKey].map((k) => chmod(k, 0o600)))
  return certs
}
