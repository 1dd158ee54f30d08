import { randomBytes } from 'node:crypto'
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { LabError } from '../../core/errors.js'

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
function opensslConfig(serviceIp: string, extraIps: readonly string[]): string {
  return `[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyEncipherment,keyCertSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:${serviceIp}${extraIps.map((ip) => `,IP:${ip}`).join('')}
[controller_manager_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,DNS:localhost
[etcd_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`
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

/** Creates the lab's CA, serving and client certificates and service-account key pair in `dir` with the openssl CLI. */
export async function generateLabCerts(dir: string, opts: LabCertOptions = {}): Promise<LabCerts> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const file = (name: string) => path.join(dir, name)
  const certs: LabCerts = {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    apiserverCert: file('apiserver.crt'),
    apiserverKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    controllerManagerCert: file('controller-manager.crt'),
    controllerManagerKey: file('controller-manager.key'),
    controllerManagerServingCert: file('controller-manager-serving.crt'),
    controllerManagerServingKey: file('controller-manager-serving.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPub: file('sa.pub'),
    etcdCaCert: file('etcd-ca.crt'),
    etcdCaKey: file('etcd-ca.key'),
    etcdServerCert: file('etcd-server.crt'),
    etcdServerKey: file('etcd-server.key'),
    apiserverEtcdClientCert: file('apiserver-etcd-client.crt'),
    apiserverEtcdClientKey: file('apiserver-etcd-client.key'),
    etcdHealthcheckClientCert: file('etcd-healthcheck-client.crt'),
    etcdHealthcheckClientKey: file('etcd-healthcheck-client.key'),
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
    authority('certificate authority', certs.caCert, certs.caKey, 'kubewalk-lab-ca'),
    authority('etcd certificate authority', certs.etcdCaCert, certs.etcdCaKey, 'kubewalk-lab-etcd-ca'),
  ])

  const issue = async (name: string, subject: string, extensions: string, cert: string, key: string, ca: 'cluster' | 'etcd' = 'cluster') => {
    const csr = `${cert}.csr`
    await openssl(['req', '-new', '-config', config, ...EC_KEY, '-keyout', key, '-out', csr, '-subj', subject], `${name} key`)
    // A random serial instead of -CAcreateserial: the leaves are signed in parallel and would race on ca.srl.
    const serial = `0x${randomBytes(16).toString('hex')}`
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca === 'etcd' ? certs.etcdCaCert : certs.caCert,
        '-CAkey',
        ca === 'etcd' ? certs.etcdCaKey : certs.caKey,
        '-set_serial',
        serial,
        '-days',
        '365',
        '-sha256',
        '-extfile',
        config,
        '-extensions',
        extensions,
        '-out',
        cert,
      ],
      `${name} certificate`,
    )
    await rm(csr)
  }
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
    issue('etcd serving', '/CN=kubewalk-lab-etcd', 'etcd_server', certs.etcdServerCert, certs.etcdServerKey, 'etcd'),
    issue(
      'kube-apiserver etcd client',
      '/CN=kube-apiserver-etcd-client',
      'client',
      certs.apiserverEtcdClientCert,
      certs.apiserverEtcdClientKey,
      'etcd',
    ),
    issue(
      'etcd health-check client',
      '/CN=kubewalk-etcd-healthcheck',
      'client',
      certs.etcdHealthcheckClientCert,
      certs.etcdHealthcheckClientKey,
      'etcd',
    ),
    serviceAccount,
  ])
  await Promise.all(
    [
      certs.caKey,
      certs.apiserverKey,
      certs.adminKey,
      certs.controllerManagerKey,
      certs.controllerManagerServingKey,
      certs.serviceAccountKey,
      certs.etcdCaKey,
      certs.etcdServerKey,
      certs.apiserverEtcdClientKey,
      certs.etcdHealthcheckClientKey,
    ].map((k) => chmod(k, 0o600)),
  )
  return certs
}
