// Kubeconfig files for the tests of how relative paths resolve (kubeconfig.test.ts, and kubeconfig.kubectl.test.ts
// against a real kubectl).
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'

/** A PEM-shaped text that names `name`, so a test can tell which CA file was read. */
export const pem = (name: string): string => `-----BEGIN CERTIFICATE-----\n${Buffer.from(name).toString('base64')}\n-----END CERTIFICATE-----\n`

/** A kubeconfig in its own folder with a cluster (and context) NAME whose CA is the path `ca`, as written. */
export async function kubeconfigIn(folder: string, name: string, ca: string): Promise<string> {
  await mkdir(folder, { recursive: true })
  const file = join(folder, 'config')
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      clusters: [{ name, cluster: { server: 'https://127.0.0.1:1', 'certificate-authority': ca } }],
      contexts: [{ name, context: { cluster: name, user: 'u' } }],
      users: [{ name: 'u', user: { token: 'x' } }],
    }),
  )
  return file
}
